/** The parts of @privacybydesign/yivi-frontend (a prebuilt UMD bundle without types) the widget uses. */
declare module '@privacybydesign/yivi-frontend' {
  interface YiviInstance {
    start(): Promise<unknown>;
    abort(): void;
  }
  interface YiviOptions {
    element: string;
    language?: 'nl' | 'en';
    debugging?: boolean;
    session: {
      start: false;
      mapping: { sessionPtr: () => unknown; frontendRequest: () => unknown };
      result: false;
    };
  }
  export function newWeb(options: YiviOptions): YiviInstance;
}
