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
