using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// <c>./run.sh</c> itself, each test with its own run on free ports (see <see cref="LocalRun"/>):
/// what it says and does when a port is taken, when a part it started dies, when it is stopped,
/// and that the commands its banner prints reach that stack from an empty HOME.
/// </summary>
public sealed partial class RunScriptTests
{
    [Theory]
    [InlineData("api")]
    [InlineData("emulator")]
    public async Task A_port_held_by_another_program_is_refused_naming_the_variable_that_moves_it(string held)
    {
        // Another program answering HTTP on the port, with a 404 for /health and a page for /.
        int port = Tools.FreePort();
        using var other = ChildProcess.Start("http.server", "python3", ["-m", "http.server", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1"]);
        await Tools.WaitForHttpAsync(new Uri($"http://127.0.0.1:{port}/"), other);

        await using var run = held == "api" ? LocalRun.Start(apiPort: port) : LocalRun.Start(endpoint: $"http://127.0.0.1:{port}");
        await run.WaitForExitAsync();

        Assert.Equal(1, run.Process.ExitCode);
        var variable = held == "api" ? "PIPELINE_API_PORT" : "AWS_ENDPOINT_URL";
        Assert.Contains(run.Process.Lines, l => l.StartsWith($"port {port} is in use by ", StringComparison.Ordinal) && l.Contains($"{variable} moves the ", StringComparison.Ordinal));
        Assert.DoesNotContain("Pipeline is running.", run.Output, StringComparison.Ordinal);
        Assert.Null(run.State());
        Assert.True(other.IsRunning);
    }

    [Theory]
    [InlineData("emulator", "emulator")]
    [InlineData("api", "API host")]
    [InlineData("worker", "worker host")]
    public async Task When_a_part_it_started_dies_everything_stops_and_it_says_which(string part, string name)
    {
        await using var run = LocalRun.Start();
        await run.WaitUntilRunningAsync();
        var state = run.State()!;
        var pids = new[] { "emulator_pid", "api_pid", "worker_pid" }.Select(k => state[k]).ToList();

        Process(state[part + "_pid"]).Kill();
        await run.WaitForExitAsync();

        Assert.Equal(1, run.Process.ExitCode);
        Assert.Contains(run.Process.Lines, l => l.StartsWith($"the {name} (pid {state[part + "_pid"]}) exited, so everything is stopped", StringComparison.Ordinal));
        Assert.Equal("stopped.", run.Process.Lines.Last());
        Assert.DoesNotContain(pids, LocalRun.IsAlive);
        Assert.Null(run.State());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // nohup ./run.sh, or ./run.sh & in a script
    public async Task Ctrl_c_stops_it_and_when_sigint_is_ignored_the_banner_says_what_does(bool sigintIgnored)
    {
        await using var run = LocalRun.Start(sigintIgnored);
        await run.WaitUntilRunningAsync();
        var state = run.State()!;
        var pids = new[] { "emulator_pid", "api_pid", "worker_pid" }.Select(k => state[k]).ToList();

        var stop = sigintIgnored
            ? $"Started with SIGINT ignored, so Ctrl-C does not reach it: kill {run.Process.Id} stops everything."
            : $"Ctrl-C (or kill {run.Process.Id}) stops everything.";
        Assert.Contains(run.Process.Lines, l => l.StartsWith(stop, StringComparison.Ordinal));
        await (sigintIgnored ? run.Process.StopAsync() : run.Process.InterruptAsync());

        Assert.Equal(sigintIgnored ? 143 : 130, run.Process.ExitCode);
        Assert.Equal("stopped.", run.Process.Lines.Last());
        Assert.DoesNotContain(pids, LocalRun.IsAlive);
        Assert.Null(run.State());
    }

    [Fact]
    public async Task From_an_empty_home_the_banners_commands_reach_this_stack_on_its_ports_and_the_terminal_gets_one_line_a_request()
    {
        await using var run = LocalRun.Start();
        await run.WaitUntilRunningAsync();
        int banner = run.Process.Lines.Count;
        var prefix = $"home-{Guid.NewGuid():N}";

        // The banner's curl command, from the repository's root where kitty.jpg is.
        var output = Path.Combine(run.Home, "kitty_bw.jpg");
        var curl = await run.ShellAsync($"curl -s -X POST --data-binary @kitty.jpg {run.ApiUrl} -o {output} -w '%{{http_code}}'");
        Assert.Equal("200", curl.Stdout);
        using (var gray = PixelAssert.IsGray(await File.ReadAllBytesAsync(output)))
            Assert.Equal(new Size(451, 300), gray.Size());
        File.Delete(output);

        // The README's AWS CLI command after `source emulator/env.sh`: no ~/.aws, no AWS_* variables.
        var copy = await run.ShellAsync($"source emulator/env.sh && aws --endpoint-url \"$AWS_ENDPOINT_URL\" s3 cp kitty.jpg \"s3://$PIPELINE_INPUT_BUCKET/{prefix}/kitty.jpg\"");
        Assert.True(copy.ExitCode == 0, copy.Stderr);

        // ./pipeline finds this stack through ./run.sh's state file: only its emulator holds that prefix.
        ToolResult status;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        do
        {
            status = await run.ShellAsync($"./pipeline status s3://pipeline-input/{prefix}/");
            Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
            Assert.True(DateTime.UtcNow < deadline, $"not converted in a minute:\n{status.Stdout}\n{run.Output}");
        }
        while (!status.Stdout.Contains($"1 converted, 0 failed, 0 pending of 1 inputs under s3://pipeline-input/{prefix}/: finished", StringComparison.Ordinal));

        // The terminal got the request as one short line; the log file has the API's JSON records.
        await run.Process.WaitForLineAsync(l => l.Contains(" POST / 200 ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var after = run.Process.Lines.Skip(banner).ToList();
        var line = Assert.Single(after);
        Assert.Matches(RequestLine(), line);
        var log = await File.ReadAllLinesAsync(Path.Combine(run.RunDir, "logs", "api.log"));
        Assert.Contains(log, l => l.Contains("\"msg\":\"request\"", StringComparison.Ordinal) && l.Contains("\"route\":\"/\"", StringComparison.Ordinal));

        await run.Process.StopAsync();
        Assert.Empty(Directory.EnumerateFileSystemEntries(run.Home)); // nothing written into the user's home, ~/.aws least of all
    }

    private static System.Diagnostics.Process Process(string pid) => System.Diagnostics.Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^\d\d:\d\d:\d\d POST / 200 \d+ ms [\d.]+ KB in, [\d.]+ KB out$")]
    private static partial Regex RequestLine();
}
