using System.Text.Json.Nodes;

namespace Pipeline.Tests;

/// <summary>
/// template.yaml as CloudFormation receives it: translated by the SAM translator that cfn-lint
/// runs (tests/Deploy.Tests/sam_translate.py), for what SAM generates (the REST API's merged
/// definition, its permissions, stage, usage plan). Translated once per test run.
/// </summary>
public static class TranslatedTemplate
{
    private static readonly Lazy<JsonObject> Translated = new(Translate);

    /// <summary>The whole translated template.</summary>
    public static JsonObject Root => Translated.Value;

    /// <summary>The translated template's Resources.</summary>
    public static JsonObject Resources => Translated.Value[nameof(Resources)]!.AsObject();

    /// <summary>A translated resource's Properties.</summary>
    public static JsonObject Properties(string logicalId) => Resources[logicalId]!["Properties"]!.AsObject();

    /// <summary>Every translated resource of <paramref name="type"/>, by logical id.</summary>
    public static IEnumerable<(string Id, JsonObject Resource)> OfType(string type) =>
        Resources.Where(r => (string?)r.Value!["Type"] == type).Select(r => (r.Key, r.Value!.AsObject()));

    /// <summary>The REST API's OpenAPI (Swagger 2.0) body with SAM's routes merged in.</summary>
    public static JsonObject ApiBody => Properties("PipelineApi")["Body"]!.AsObject();

    /// <summary>Every method of the API's body: path, lower-case method (or "x-amazon-apigateway-any-method"), definition.</summary>
    public static IEnumerable<(string Path, string Method, JsonObject Definition)> ApiMethods() =>
        ApiBody["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(m => (path.Key, m.Key, m.Value!.AsObject())));

    /// <summary>
    /// <paramref name="node"/> as CloudFormation deploys it with <paramref name="parameters"/>
    /// (the rest at their defaults): every Fn::If decided by the template's Conditions, a
    /// <c>Ref</c> of a parameter replaced by its value, and what resolves to AWS::NoValue left out.
    /// Other intrinsics (Fn::Sub, Fn::GetAtt, a Ref of a resource) are kept as written.
    /// </summary>
    public static JsonNode? Resolve(JsonNode? node, IReadOnlyDictionary<string, string>? parameters = null)
    {
        parameters ??= new Dictionary<string, string>();
        switch (node)
        {
            case JsonObject { Count: 1 } choice when choice["Fn::If"] is JsonArray { Count: 3 } branches:
                return Resolve(branches[IsTrue(branches[0]!, parameters) ? 1 : 2], parameters);
            case JsonObject { Count: 1 } reference when reference["Ref"] is JsonValue name && Parameter((string)name!, parameters) is (true, var value):
                return JsonValue.Create(value);
            case JsonObject map:
                var resolved = new JsonObject();
                foreach (var (key, value) in map)
                {
                    if (Resolve(value, parameters) is var kept && !IsNoValue(kept))
                        resolved[key] = kept;
                }
                return resolved;
            case JsonArray list:
                return new JsonArray([.. list.Select(v => Resolve(v, parameters)).Where(v => !IsNoValue(v))]);
            default:
                return node?.DeepClone();
        }
    }

    private static bool IsNoValue(JsonNode? node) => node is JsonObject { Count: 1 } o && (string?)o["Ref"] == "AWS::NoValue";

    private static (bool Declared, string? Value) Parameter(string name, IReadOnlyDictionary<string, string> parameters)
    {
        if (Translated.Value["Parameters"]?[name] is not JsonObject declaration)
            return (false, null);
        return (true, parameters.TryGetValue(name, out var value) ? value : (string?)declaration["Default"]?.ToString());
    }

    private static bool IsTrue(JsonNode condition, IReadOnlyDictionary<string, string> parameters) => condition switch
    {
        JsonValue name => IsTrue(Translated.Value["Conditions"]![(string)name!]!, parameters),
        JsonObject o when o["Condition"] is JsonValue name => IsTrue(name, parameters),
        JsonObject o when o["Fn::Equals"] is JsonArray pair => Resolve(pair[0], parameters)?.ToString() == Resolve(pair[1], parameters)?.ToString(),
        JsonObject o when o["Fn::Not"] is JsonArray one => !IsTrue(one[0]!, parameters),
        JsonObject o when o["Fn::And"] is JsonArray all => all.All(c => IsTrue(c!, parameters)),
        JsonObject o when o["Fn::Or"] is JsonArray any => any.Any(c => IsTrue(c!, parameters)),
        _ => throw new InvalidOperationException($"cannot evaluate the condition {condition.ToJsonString()}"),
    };

    /// <summary>The text of an <c>Fn::Sub</c> (its string, or the first item of its [string, variables] form).</summary>
    public static string SubText(JsonNode node)
    {
        var sub = node["Fn::Sub"] ?? throw new InvalidOperationException($"not an Fn::Sub: {node.ToJsonString()}");
        return sub is JsonArray pair ? (string)pair[0]! : (string)sub!;
    }

    private static JsonObject Translate()
    {
        var result = Tools.RunAsync("python3", ["tests/Deploy.Tests/sam_translate.py", "template.yaml"], new Dictionary<string, string> { ["AWS_DEFAULT_REGION"] = "us-east-1" })
            .GetAwaiter().GetResult();
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"the SAM translator failed ({result.ExitCode}):\n{result.Stderr}");
        return JsonNode.Parse(result.Stdout)!.AsObject();
    }
}
