/** JSON shapes of the Veilig bellen agent console API, shared by the server and the console portal. */

/** A verified incoming call as `GET /api/veilig-bellen/console/calls` returns it. */
export interface ConsoleCall {
  id: string;
  purpose: string;
  purposeLabel: string;
  /**
   * `waiting` in the queue; `taken` by an agent, being put through; `ringing` that agent's phone;
   * `connected` with the agent. A call the agent does not answer is `waiting` again.
   */
  state: 'waiting' | 'taken' | 'ringing' | 'connected';
  takenByMe: boolean;
  attributes: { id: string; name: string; value: string }[];
  externalLink: string | null;
  since: string;
}
