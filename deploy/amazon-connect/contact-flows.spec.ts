/**
 * The exported contact flows stay consistent with Veilig: every transition leads to a block, every
 * prompt is one of Veilig's Dutch defaults, the hold criterion is the one the adapter routes back to,
 * and the Lambda is asked only for actions it knows. (The e2e tests run the flows in the simulator.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { holdStep } from '../../src/protocol/telephony/amazon-connect';
import { DUTCH_PROMPTS } from '../../src/protocol/telephony/prompts';

interface Action {
  Identifier: string;
  Type: string;
  Parameters?: Record<string, unknown>;
  Transitions: {
    NextAction?: string;
    Conditions?: { NextAction: string }[];
    Errors?: { NextAction: string }[];
  };
}

const flow = (file: string) =>
  JSON.parse(readFileSync(join(__dirname, file), 'utf8')) as { StartAction: string; Actions: Action[] };
const FLOWS = { inbound: flow('veilig-bellen-inbound.json'), queue: flow('veilig-bellen-wachtrij.json') };
const PROMPTS: string[] = Object.values(DUTCH_PROMPTS);

describe.each(Object.entries(FLOWS))('the %s contact flow', (_name, f) => {
  const ids = new Set(f.Actions.map((a) => a.Identifier));

  it('leads every transition to a block of the flow', () => {
    expect(ids.has(f.StartAction)).toBe(true);
    expect(ids.size).toBe(f.Actions.length);
    for (const a of f.Actions) {
      const targets = [
        a.Transitions.NextAction,
        ...(a.Transitions.Conditions ?? []).map((c) => c.NextAction),
        ...(a.Transitions.Errors ?? []).map((e) => e.NextAction),
      ].filter((x): x is string => x !== undefined);
      for (const target of targets) expect(ids).toContain(target);
    }
  });

  it("speaks only Veilig's Dutch prompts", () => {
    for (const a of f.Actions.filter((x) => ['MessageParticipant', 'GetParticipantInput'].includes(x.Type))) {
      const text = String(a.Parameters?.Text ?? a.Parameters?.SSML).replace(/<[^>]+>/g, '');
      expect(PROMPTS).toContain(text);
    }
  });

  it('invokes the Lambda only with actions it handles', () => {
    for (const a of f.Actions.filter((x) => x.Type === 'InvokeLambdaFunction'))
      expect(['lookup', 'queued']).toContain(
        (a.Parameters!.LambdaInvocationAttributes as { action: string }).action,
      );
  });
});

it('holds a waiting call with the criterion the adapter routes it back to', () => {
  const block = FLOWS.inbound.Actions.find((a) => a.Type === 'UpdateRoutingCriteria')!;
  expect(block.Parameters).toEqual({ RoutingCriteria: { Steps: [holdStep()] } });
});
