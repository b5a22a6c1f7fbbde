
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
        // --queue lets the worker get as far as its numbers; the API has no use for it.
        var result = await Tools.RunAsync("dotnet", [Host, command, "--queue", "q", option, value], timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{option} takes a whole number, not '{value}'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: pipeline-local", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
    }
}
