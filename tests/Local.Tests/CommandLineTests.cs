
namespace Pipeline.Tests.Local;

public class CommandLineTests
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "pipeline-local.dll");

    [Theory]
    [InlineData("api", "--port", "abc")]
    [InlineData("api", "--read-timeout", "2s")]
    [InlineData("worker", "--pollers", "-1")]
    public async Task An_option_that_is_not_a_whole_number_gets_usage_not_a_crash(string command, string option, string value)
    {
        var result = await Tools.RunAsync("dotnet", [Host, command, .. Queue(command), option, value], timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{option} takes a whole number, not '{value}'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("see: pipeline-local --help", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api", "PIPELINE_API_TIMEOUT_SECONDS")]
    [InlineData("worker", "PIPELINE_WORKER_TIMEOUT_SECONDS")]
    [InlineData("worker", "PIPELINE_WORKER_BATCH_SIZE")]
    public async Task A_host_without_the_templates_values_names_the_variable_and_does_not_start(string command, string variable)
    {
        var environment = new Dictionary<string, string>
        {
            ["PIPELINE_API_TIMEOUT_SECONDS"] = "29",
            ["PIPELINE_WORKER_TIMEOUT_SECONDS"] = "60",
            ["PIPELINE_WORKER_BATCH_SIZE"] = "10",
            [variable] = "",
        };

        var result = await Tools.RunAsync("dotnet", [Host, command, .. Queue(command)], environment, timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{variable} is needed: emulator/env.sh sets {variable} from template.yaml", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout); // nothing started, nothing logged
    }

    // --queue lets the worker get as far as its numbers; the API has no such option.
    private static string[] Queue(string command) => command == "worker" ? ["--queue", "q"] : [];
}
