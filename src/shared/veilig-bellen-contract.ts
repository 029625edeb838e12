/** JSON shapes of the Veilig bellen agent console API, shared by the server and the console portal. */

/** A verified incoming call as `GET /api/veilig-bellen/console/calls` returns it. */
export interface ConsoleCall {
  id: string;
  purpose: string;
  purposeLabel: string;
  /** `waiting` in the queue; `taken` by an agent, being connected; `connected` with an agent. */
  state: 'waiting' | 'taken' | 'connected';
  takenByMe: boolean;
  attributes: { id: string; name: string; value: string }[];
  externalLink: string | null;
  since: string;
}
