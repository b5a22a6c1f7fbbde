using Xunit.Abstractions;

namespace Pipeline.Tests.Cli;

/// <summary>
/// `pipeline verify` against a local stack of its own (moto, the local API and worker on free
/// ports): every check with a local counterpart passes; a stack whose worker is not running or
/// whose key is required but not sent fails the right lines with a hint; Ctrl-C stops it; and
/// whatever happens, the buckets hold afterwards exactly what they held before. In the CLI's
/// collection, so its stack works while the others' idle.
/// </summary>
[Collection("cli")]
public sealed class VerifyTests(PipelineStack stack, ITestOutputHelper output) : IClassFixture<PipelineStack>
{
    private const string Key = "verify-test-key-0123456789";

    [Fact]
    public async Task Against_the_localstack_every_check_with_a_local_counterpart_passes_and_nothing_is_left_behind()
    {
        var before = await ObjectsAsync();

        var run = await VerifyAsync(stack.ApiUrl);

        Assert.Equal(0, run.ExitCode);
        var lines = Lines(run);
        Assert.Equal(
        [
            "ok   GET /health answers 200 without a key",
            "ok   the page and its assets load, with a Content-Security-Policy",
            "skip POST / without a key is refused — the local API needs no key unless ./run.sh runs with PIPELINE_API_KEY set (then give verify the same PIPELINE_API_KEY)",
            "ok   POST / with the key turns a JPEG gray",
            "ok   POST / with the key turns a PNG gray",
            "ok   a 5 MiB body gets the JSON 413 pointing to POST /uploads",
            "ok   POST /uploads hands out a presigned PUT that stores the image",
            "ok   a replayed presigned PUT is refused with 412",
            "ok   GET /jobs/{id} turns done and its result is gray",
            "skip no stage answers but the declared one — AWS only",
            "ok   5 images and a corrupt file put in the input bucket come back, and status says finished",
            "ok   the dead-letter queue is empty",
            "skip the stack's alarms exist and none is in ALARM — AWS only",
            "skip both functions' log groups received a metric line during this run — AWS only",
            "ok   everything this run created is deleted (14 objects)",
        ], lines[1..^1]);
        Assert.Equal("11 ok, 0 failed, 4 skipped", lines[^1]);
        Assert.Equal(before, await ObjectsAsync());
    }

    [Fact]
    public async Task With_the_key_required_and_not_sent_the_keyed_lines_fail_and_say_to_pass_the_key()
    {
        var before = await ObjectsAsync();
        var (api, url) = await stack.StartApiAsync(new Dictionary<string, string> { ["PIPELINE_API_KEY"] = Key });
        using (api)
        {
            var without = await VerifyAsync(url);
            var with = await VerifyAsync(url, "--api-key", Key);

            Assert.Equal(1, without.ExitCode);
            var lines = Lines(without);
            Assert.Contains("ok   POST / without a key is refused", lines);
            // What API Gateway answers a missing key, and the local gateway as it does.
            Assert.Contains("FAIL POST / with the key turns a JPEG gray — answered 403 forbidden: The API key is missing or not valid: send it in the x-api-key header.: the API wants a key; pass --api-key or set PIPELINE_API_KEY", lines);
            Assert.Contains(lines, l => l.StartsWith("FAIL POST /uploads hands out a presigned PUT that stores the image — POST /uploads: answered 403 forbidden", StringComparison.Ordinal));
            Assert.Contains("skip a replayed presigned PUT is refused with 412 — needs the presigned upload above", lines);
            Assert.Contains("ok   GET /health answers 200 without a key", lines);
            Assert.Equal(0, with.ExitCode);
            Assert.Contains("ok   POST / without a key is refused", Lines(with));
            Assert.Equal("12 ok, 0 failed, 3 skipped", Lines(with)[^1]);
        }
        Assert.Equal(before, await ObjectsAsync());
    }

    [Fact]
    public async Task With_no_worker_running_the_lines_that_need_it_fail_and_point_at_the_worker()
    {
        var before = await ObjectsAsync();
        stack.Worker.Kill();
        try
        {
            var run = await VerifyAsync(stack.ApiUrl, "--timeout", "5");

            Assert.Equal(1, run.ExitCode);
            var lines = Lines(run);
            Assert.Contains(lines, l => l.StartsWith("FAIL GET /jobs/{id} turns done and its result is gray — job ", StringComparison.Ordinal)
                && l.EndsWith(" is still pending after 5 s: is the worker running? (./run.sh starts it; its log is artifacts/logs/worker.log)", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("FAIL 5 images and a corrupt file put in the input bucket come back, and status says finished — 6 of 6 objects under s3://", StringComparison.Ordinal)
                && l.EndsWith(" got no result after 5 s: is the worker running? (./run.sh starts it; its log is artifacts/logs/worker.log)", StringComparison.Ordinal));
            Assert.Contains("ok   POST / with the key turns a PNG gray", lines);
            Assert.Contains("ok   everything this run created is deleted (7 objects)", lines);
            Assert.Equal("9 ok, 2 failed, 4 skipped", lines[^1]);
            Assert.Equal(before, await ObjectsAsync());
        }
        finally
        {
            await LocalHost.WaitUntilPollingAsync(stack.StartWorker());
        }
    }

    [Fact]
    public async Task Ctrl_c_stops_it_and_it_still_deletes_what_it_created()
    {
        var before = await ObjectsAsync();
        stack.Worker.Kill(); // the job stays pending, so the run is surely waiting when stopped
        try
        {
            // SIGINT at its default, as a terminal's Ctrl-C finds it, whatever this test run was started with.
            using var verify = CliStack.Start(stack.Environment, fromParentIgnoringSigint: false, "verify", "--api-url", stack.ApiUrl.ToString(), "--timeout", "600");
            await verify.WaitForLineAsync(l => l.StartsWith("ok   POST /uploads hands out a presigned PUT", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
            Assert.NotEqual(before, await ObjectsAsync());

            await verify.InterruptAsync(TimeSpan.FromSeconds(60));
            output.WriteLine(verify.Tail());

            Assert.Equal(130, verify.ExitCode);
            Assert.Contains("stopped: deleting what this run created", verify.Lines);
            Assert.Contains(verify.Lines, l => l.StartsWith("ok   everything this run created is deleted (", StringComparison.Ordinal));
            Assert.Equal(before, await ObjectsAsync());
        }
        finally
        {
            await LocalHost.WaitUntilPollingAsync(stack.StartWorker());
        }
    }

    private async Task<ToolResult> VerifyAsync(Uri apiUrl, params string[] options)
    {
        var result = await Tools.RunAsync("dotnet", [Artifacts.NewestBuild("Cli", "pipeline.dll"), "verify", "--api-url", apiUrl.ToString(), .. options], stack.Environment, timeout: TimeSpan.FromMinutes(4));
        output.WriteLine(result.Stdout + result.Stderr);
        return result;
    }

    private static string[] Lines(ToolResult result) => result.Stdout.TrimEnd('\n').Split('\n');

    private async Task<List<string>> ObjectsAsync() =>
    [
        .. (await stack.KeysAsync(stack.InputBucket, "")).Select(k => "in " + k).Order(StringComparer.Ordinal),
        .. (await stack.KeysAsync(stack.OutputBucket, "")).Select(k => "out " + k).Order(StringComparer.Ordinal),
    ];
}
