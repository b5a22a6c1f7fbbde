using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Iam;

/// <summary>
/// The IAM policies of the translated template (<see cref="TranslatedTemplate"/>) as AWS would
/// hold them after a deploy with the parameters' defaults in account <see cref="Account"/>,
/// <see cref="Region"/>, stack <see cref="StackName"/>: every role's inline policies and managed
/// policies (their documents from tests/Iam/managed-policies.json), and the buckets' and queues'
/// resource policies, with Ref, GetAtt, Sub, If and Join resolved to the names the local
/// emulator uses too (the parameters' defaults, moto's account and region).
/// </summary>
public sealed partial class DeployedPolicies
{
    /// <summary>The account (moto's default, so queue ARNs match the emulator's).</summary>
    public const string Account = "123456789012";

    /// <summary>The region.</summary>
    public const string Region = "us-east-1";

    /// <summary>The stack's name.</summary>
    public const string StackName = "pipeline";

    private readonly JsonObject _resources;
    private readonly JsonObject _conditions;
    private readonly Dictionary<string, string> _parameters;
    private readonly JsonObject _managed;

    private DeployedPolicies(JsonObject template, JsonObject managed)
    {
        _resources = template["Resources"]!.AsObject();
        _conditions = template["Conditions"]?.AsObject() ?? [];
        _parameters = template["Parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!["Default"]?.ToString() ?? "");
        _managed = managed;
    }

    /// <summary>The deployed template's policies.</summary>
    public static DeployedPolicies Load() =>
        new(TranslatedTemplate.Root, JsonNode.Parse(File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "tests", "Iam", "managed-policies.json")))!.AsObject());

    /// <summary>A role's ARN, by its logical id.</summary>
    public string RoleArn(string logicalId) => Attribute(logicalId, "Arn");

    /// <summary>The ARN of a resource of the template (a bucket, a queue, a function, a log group), by its logical id.</summary>
    public string Arn(string logicalId) => Attribute(logicalId, "Arn");

    /// <summary>A resource's physical name (a bucket's, a queue's URL, a role's), by its logical id.</summary>
    public string Name(string logicalId) => Reference(logicalId);

    /// <summary>Every policy attached to a role, inline and managed, as {name, policy}.</summary>
    public JsonArray IdentityPolicies(string roleLogicalId)
    {
        var properties = Properties(roleLogicalId);
        var policies = new JsonArray();
        foreach (var inline in properties["Policies"]?.AsArray() ?? [])
            policies.Add(new JsonObject { ["name"] = (string)inline!["PolicyName"]!, ["policy"] = Resolve(inline["PolicyDocument"]!) });
        foreach (var arnNode in properties["ManagedPolicyArns"]?.AsArray() ?? [])
        {
            var arn = Resolve(arnNode!)!.ToString();
            var name = arn[(arn.LastIndexOf('/') + 1)..];
            var document = _managed[name] ?? throw new InvalidOperationException($"{roleLogicalId} has the managed policy {arn}: add its document to tests/Iam/managed-policies.json");
            policies.Add(new JsonObject { ["name"] = name, ["policy"] = document.DeepClone() });
        }
        return policies;
    }

    /// <summary>
    /// The resource policy that governs <paramref name="resourceArn"/>: its bucket's policy for an
    /// S3 bucket or object, its queue's policy for a queue; null when it has none.
    /// </summary>
    public JsonObject? ResourcePolicy(string resourceArn)
    {
        var statements = new JsonArray();
        foreach (var (_, resource) in _resources)
        {
            var type = (string)resource!["Type"]!;
            var properties = resource["Properties"]!;
            var governed = type switch
            {
                "AWS::S3::BucketPolicy" => ["arn:aws:s3:::" + Resolve(properties["Bucket"]!)],
                "AWS::SQS::QueuePolicy" => properties["Queues"]!.AsArray().Select(q => QueueArn(Resolve(q!)!.ToString())).ToList(),
                _ => [],
            };
            if (!governed.Any(g => resourceArn == g || resourceArn.StartsWith(g + "/", StringComparison.Ordinal)))
                continue;
            foreach (var statement in Resolve(properties["PolicyDocument"]!)!["Statement"]!.AsArray())
                statements.Add(statement!.DeepClone());
        }
        return statements.Count == 0 ? null : new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements };
    }

    /// <summary>A value of the template as deployed; null for AWS::NoValue.</summary>
    public JsonNode? Resolve(JsonNode node)
    {
        switch (node)
        {
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                {
                    if (Resolve(item!) is { } value)
                        items.Add(value);
                }
                return items;
            case JsonObject { Count: 1 } function when function.Single().Key is "Ref" or "Condition" || function.Single().Key.StartsWith("Fn::", StringComparison.Ordinal):
                return Function(function.Single().Key, function.Single().Value!);
            case JsonObject map:
                var resolved = new JsonObject();
                foreach (var (key, value) in map)
                {
                    if (Resolve(value!) is { } v)
                        resolved[key] = v;
                }
                return resolved;
            default:
                return node.DeepClone();
        }
    }

    private JsonNode? Function(string name, JsonNode argument) => name switch
    {
        "Ref" => (string)argument! == "AWS::NoValue" ? null : JsonValue.Create(Reference((string)argument!)),
        "Fn::GetAtt" => argument is JsonArray pair
            ? JsonValue.Create(Attribute((string)pair[0]!, (string)pair[1]!))
            : JsonValue.Create(Attribute(((string)argument!).Split('.', 2)[0], ((string)argument!).Split('.', 2)[1])),
        "Fn::Sub" => JsonValue.Create(Substitute(argument)),
        "Fn::If" => IsTrue(_conditions[(string)argument[0]!]!) ? Resolve(argument[1]!) : Resolve(argument[2]!),
        "Fn::Join" => JsonValue.Create(string.Join((string)argument[0]!, Resolve(argument[1]!)!.AsArray().Select(v => v!.ToString()))),
        _ => throw new InvalidOperationException($"{name} is not resolved here"),
    };

    private string Substitute(JsonNode argument)
    {
        var (text, variables) = argument is JsonArray pair ? ((string)pair[0]!, pair[1]!.AsObject()) : ((string)argument!, new JsonObject());
        return SubVariable().Replace(text, m =>
        {
            var name = m.Groups[1].Value;
            if (name.StartsWith('!'))
                return "${" + name[1..] + "}";
            if (variables[name] is { } value)
                return Resolve(value)!.ToString();
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && !name.StartsWith("AWS::", StringComparison.Ordinal) ? Attribute(name[..dot], name[(dot + 1)..]) : Reference(name);
        });
    }

    private bool IsTrue(JsonNode condition)
    {
        var (function, argument) = condition.AsObject().Single();
        return function switch
        {
            "Condition" => IsTrue(_conditions[(string)argument!]!),
            "Fn::Equals" => Resolve(argument![0]!)?.ToString() == Resolve(argument[1]!)?.ToString(),
            "Fn::Not" => !IsTrue(argument![0]!),
            "Fn::And" => argument!.AsArray().All(c => IsTrue(c!)),
            "Fn::Or" => argument!.AsArray().Any(c => IsTrue(c!)),
            _ => throw new InvalidOperationException($"the condition function {function} is not evaluated here"),
        };
    }

    private string Reference(string name) => name switch
    {
        "AWS::Partition" => "aws",
        "AWS::Region" => Region,
        "AWS::AccountId" => Account,
        "AWS::StackName" => StackName,
        "AWS::URLSuffix" => "amazonaws.com",
        _ when _parameters.TryGetValue(name, out var value) => value,
        _ => (string?)_resources[name]?["Type"] switch
        {
            "AWS::S3::Bucket" => Resolve(Properties(name)["BucketName"]!)!.ToString(),
            "AWS::SQS::Queue" => $"https://sqs.{Region}.amazonaws.com/{Account}/{Attribute(name, "QueueName")}",
            "AWS::Logs::LogGroup" => Resolve(Properties(name)["LogGroupName"]!)!.ToString(),
            "AWS::ApiGateway::Stage" => Resolve(Properties(name)["StageName"]!)!.ToString(),
            null => throw new InvalidOperationException($"{name} is neither a parameter nor a resource"),
            _ => $"{StackName}-{name}",
        },
    };

    private string Attribute(string logicalId, string attribute) => ((string?)_resources[logicalId]?["Type"], attribute) switch
    {
        ("AWS::S3::Bucket", "Arn") => "arn:aws:s3:::" + Reference(logicalId),
        ("AWS::SQS::Queue", "QueueName") => Resolve(Properties(logicalId)["QueueName"]!)!.ToString(),
        ("AWS::SQS::Queue", "Arn") => $"arn:aws:sqs:{Region}:{Account}:{Attribute(logicalId, "QueueName")}",
        ("AWS::IAM::Role", "Arn") => $"arn:aws:iam::{Account}:role/{Reference(logicalId)}",
        ("AWS::Lambda::Function", "Arn") => $"arn:aws:lambda:{Region}:{Account}:function:{Reference(logicalId)}",
        ("AWS::Logs::LogGroup", "Arn") => $"arn:aws:logs:{Region}:{Account}:log-group:{Reference(logicalId)}:*",
        (null, _) => throw new InvalidOperationException($"no resource {logicalId}"),
        var (type, name) => $"arn:aws:{type!.Split("::")[1].ToLowerInvariant()}:{Region}:{Account}:{Reference(logicalId)}/{name}",
    };

    private JsonObject Properties(string logicalId) => _resources[logicalId]!["Properties"]!.AsObject();

    /// <summary>The ARN of a queue given its URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME).</summary>
    public static string QueueArn(string url)
    {
        var segments = new Uri(url).AbsolutePath.Trim('/').Split('/');
        return $"arn:aws:sqs:{Region}:{segments[^2]}:{segments[^1]}";
    }

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex SubVariable();
}
