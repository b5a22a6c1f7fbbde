using System.Globalization;
using System.Text.Json.Nodes;
using Pipeline.Settings;
using Pipeline.Worker;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The template's Rules refuse exactly the WorkerMemorySize / WorkerConcurrency / MaxObjectBytes
/// combinations with which the worker refuses to start: a deploy that succeeds and then
/// dead-letters every message is refused by CloudFormation instead.
/// </summary>
public sealed class WorkerMemoryRulesTests
{
    [Fact]
    public void The_rules_accept_exactly_the_combinations_the_worker_starts_with()
    {
        var memories = AllowedValues("WorkerMemorySize");
        var objectSizes = AllowedValues("MaxObjectBytes");
        var concurrencies = Range("WorkerConcurrency");
        var disagreements = new List<string>();
        int refused = 0;

        foreach (var memory in memories)
        {
            foreach (var objectBytes in objectSizes)
            {
                foreach (var concurrency in concurrencies)
                {
                    var parameters = new Dictionary<string, string>
                    {
                        ["WorkerMemorySize"] = memory,
                        ["MaxObjectBytes"] = objectBytes,
                        ["WorkerConcurrency"] = concurrency,
                    };
                    bool deploys = FailedAssertions(parameters).Count == 0;
                    bool starts = WorkerStarts(parameters);
                    refused += deploys ? 0 : 1;
                    if (deploys != starts)
                        disagreements.Add($"{memory} MB, {objectBytes} bytes, concurrency {concurrency}: the template {(deploys ? "deploys" : "refuses")} it, the worker {(starts ? "starts" : "does not start")}");
                }
            }
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements.Take(20)));
        Assert.InRange(refused, 1, memories.Count * objectSizes.Count * concurrencies.Count - 1); // the grid holds both kinds
    }

    [Fact]
    public void The_defaults_deploy_and_a_refusal_says_what_to_change()
    {
        var defaults = new Dictionary<string, string>();
        var tooMany = new Dictionary<string, string> { ["WorkerConcurrency"] = "12" };

        Assert.Empty(FailedAssertions(defaults));
        Assert.True(WorkerStarts(defaults));
        // At 1,024 MB and 50 MiB objects, 11 fit: 60% of 1,024 MiB - 11 x 50 MiB leaves 64 MiB.
        Assert.Equal(["With 1024 MB and objects of up to 50 MiB, WorkerConcurrency may be at most 11."], FailedAssertions(tooMany));
        Assert.False(WorkerStarts(tooMany));
    }

    [Fact]
    public void Every_allowed_object_size_fits_in_one_array_as_the_worker_reads_it()
    {
        Assert.All(AllowedValues("MaxObjectBytes"), b => Assert.InRange(long.Parse(b, CultureInfo.InvariantCulture), 1, Array.MaxLength));
        Assert.Equal(Array.MaxLength, PipelineSettings.MaxObjectBytes.Max);
    }

    /// <summary>Whether the worker's options load with these parameters, as Lambda would pass them.</summary>
    private static bool WorkerStarts(Dictionary<string, string> parameters)
    {
        var environment = new Dictionary<string, string?>
        {
            ["PIPELINE_INPUT_BUCKET"] = "pipeline-input",
            ["PIPELINE_OUTPUT_BUCKET"] = "pipeline-output",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = Parameter(parameters, "WorkerMemorySize"),
            ["PIPELINE_WORKER_CONCURRENCY"] = Parameter(parameters, "WorkerConcurrency"),
            ["PIPELINE_MAX_OBJECT_BYTES"] = Parameter(parameters, "MaxObjectBytes"),
        };
        var refusal = Record.Exception(() => WorkerOptions.FromEnvironment(name => environment.GetValueOrDefault(name)));
        Assert.True(refusal is null or InvalidOperationException, $"the worker's options failed otherwise than by refusing: {refusal}");
        return refusal is null;
    }

    /// <summary>The AssertDescription of every rule assertion that fails with these parameters (the rest at their defaults).</summary>
    private static List<string> FailedAssertions(Dictionary<string, string> parameters)
    {
        var failed = new List<string>();
        foreach (var (_, rule) in TranslatedTemplate.Root["Rules"]!.AsObject())
        {
            if (rule!["RuleCondition"] is { } condition && !IsTrue(condition, parameters))
                continue;
            failed.AddRange(rule["Assertions"]!.AsArray()
                .Where(a => !IsTrue(a!["Assert"]!, parameters))
                .Select(a => (string)a!["AssertDescription"]!));
        }
        return failed;
    }

    /// <summary>Evaluates a rule function as CloudFormation does, over parameter values as strings.</summary>
    private static bool IsTrue(JsonNode node, Dictionary<string, string> parameters)
    {
        var (function, argument) = node.AsObject().Single();
        var arguments = argument!.AsArray();
        return function switch
        {
            "Fn::Equals" => Value(arguments[0]!, parameters) == Value(arguments[1]!, parameters),
            "Fn::Not" => !IsTrue(arguments[0]!, parameters),
            "Fn::And" => arguments.All(a => IsTrue(a!, parameters)),
            "Fn::Or" => arguments.Any(a => IsTrue(a!, parameters)),
            "Fn::Contains" => arguments[0]!.AsArray().Any(v => Value(v!, parameters) == Value(arguments[1]!, parameters)),
            _ => throw new InvalidOperationException($"rule function {function} is not evaluated here"),
        };
    }

    private static string Value(JsonNode node, Dictionary<string, string> parameters) =>
        node is JsonObject reference ? Parameter(parameters, (string)reference["Ref"]!) : node.ToString();

    private static string Parameter(Dictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var value) ? value : Declaration(name)["Default"]!.ToString();

    private static JsonObject Declaration(string name) => TranslatedTemplate.Root["Parameters"]![name]!.AsObject();

    private static List<string> AllowedValues(string name) => Declaration(name)["AllowedValues"]!.AsArray().Select(v => v!.ToString()).ToList();

    private static List<string> Range(string name)
    {
        var declaration = Declaration(name);
        int min = (int)declaration["MinValue"]!, max = (int)declaration["MaxValue"]!;
        return Enumerable.Range(min, max - min + 1).Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList();
    }
}
