// Evaluates AWS requests against IAM policies with @cloud-copilot/iam-simulate (test-time only).
//
//   node tests/Iam/simulate.mjs requests.json > results.json
//
// Input: a JSON array of {principal, action, resource, accountId, context, identityPolicies:
// [{name, policy}], resourcePolicy}. Output: a JSON array, one {result, errors} per request, in
// order; result is Allowed, ImplicitlyDenied, ExplicitlyDenied (or error, with the simulator's errors).
import { readFileSync } from 'node:fs';
import { runSimulation } from '@cloud-copilot/iam-simulate';

const requests = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const results = [];
for (const request of requests) {
  const simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.accountId },
      contextVariables: request.context ?? {},
    },
    identityPolicies: request.identityPolicies ?? [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy ?? undefined,
  };
  const outcome = await runSimulation(simulation, {});
  results.push(outcome.resultType === 'error'
    ? { result: 'error', errors: outcome.errors }
    : { result: outcome.overallResult, ignoredContextKeys: outcome.result?.ignoredContextKeys ?? [] });
}
process.stdout.write(JSON.stringify(results));
