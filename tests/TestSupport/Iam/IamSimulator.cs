using System.Text.Json.Nodes;

namespace Pipeline.Tests.Iam;

/// <summary>
/// Decides <see cref="AwsCall"/>s as IAM would against the <see cref="DeployedPolicies"/>: the
/// caller's identity policies and the resource's policy, evaluated by @cloud-copilot/iam-simulate
/// (tests/Iam/simulate.mjs; scripts/setup.sh installs it, test-time only). A principal that is a
/// role of the template gets its policies; an IAM ARN that is not (e.g.
/// arn:aws:iam::123456789012:role/admin) stands for another principal of the account whose own
/// policy allows everything; a service principal (s3.amazonaws.com) has no identity policy.
/// Requests are made over TLS, as the AWS SDKs make them.
/// </summary>
public sealed class IamSimulator
{
    private readonly DeployedPolicies _policies;

    /// <summary>A simulator over <paramref name="policies"/>.</summary>
    public IamSimulator(DeployedPolicies policies) => _policies = policies;

    /// <summary>The decision for each call, in order.</summary>
    public async Task<IReadOnlyList<IamDecision>> DecideAsync(IReadOnlyList<AwsCall> calls)
    {
        var requests = new JsonArray();
        foreach (var call in calls)
            requests.Add(Request(call));
        var input = Path.Combine(Path.GetTempPath(), $"iam-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(input, requests.ToJsonString());
        try
        {
            var run = await Tools.RunAsync("node", ["tests/Iam/simulate.mjs", input], timeout: TimeSpan.FromMinutes(5));
            if (run.ExitCode != 0)
                throw new InvalidOperationException($"tests/Iam/simulate.mjs failed ({run.ExitCode}); scripts/setup.sh installs the simulator:\n{run.Stderr}");
            var results = JsonNode.Parse(run.Stdout)!.AsArray();
            return calls.Select((call, i) =>
            {
                var result = (string)results[i]!["result"]!;
                return result == "error"
                    ? throw new InvalidOperationException($"the simulator refused {call}: {results[i]!["errors"]!.ToJsonString()}")
                    : new IamDecision(call, result);
            }).ToList();
        }
        finally
        {
            File.Delete(input);
        }
    }

    private JsonObject Request(AwsCall call)
    {
        var context = new JsonObject { ["aws:SecureTransport"] = "true" };
        string principal;
        JsonArray identity;
        if (call.Principal.Contains(".amazonaws.com", StringComparison.Ordinal))
        {
            principal = call.Principal;
            identity = [];
            context["aws:PrincipalServiceName"] = call.Principal;
            context["aws:PrincipalIsAWSService"] = "true";
        }
        else
        {
            var roleArn = call.Principal.StartsWith("arn:", StringComparison.Ordinal) ? call.Principal : _policies.RoleArn(call.Principal);
            var roleName = roleArn[(roleArn.LastIndexOf('/') + 1)..];
            principal = $"arn:aws:sts::{DeployedPolicies.Account}:assumed-role/{roleName}/session";
            identity = call.Principal.StartsWith("arn:", StringComparison.Ordinal)
                ? [new JsonObject { ["name"] = "everything", ["policy"] = JsonNode.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""") }]
                : _policies.IdentityPolicies(call.Principal);
            context["aws:PrincipalArn"] = roleArn;
            context["aws:PrincipalAccount"] = DeployedPolicies.Account;
            context["aws:PrincipalType"] = "AssumedRole";
            context["aws:PrincipalIsAWSService"] = "false";
        }
        foreach (var (key, value) in call.Context)
            context[key] = value;
        return new JsonObject
        {
            ["principal"] = principal,
            ["action"] = call.Action,
            ["resource"] = call.Resource,
            ["accountId"] = DeployedPolicies.Account,
            ["context"] = context,
            ["identityPolicies"] = identity,
            ["resourcePolicy"] = _policies.ResourcePolicy(call.Resource),
        };
    }
}
