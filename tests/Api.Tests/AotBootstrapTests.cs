using System.Text.Json;
using OpenCvSharp;
using Pipeline.Lambda;

namespace Pipeline.Tests;

/// <summary>
/// The Native AOT bootstrap as Lambda's provided.al2023 runtime runs it: a separate process
/// that talks to the Runtime API (here <see cref="FakeRuntimeApi"/>) and loads OpenCV from
/// LD_LIBRARY_PATH, as it would from the layer.
/// </summary>
public sealed class AotBootstrapTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The function's configuration. The test runner's own PIPELINE_* and AWS_* variables are
    /// blanked (the function reads empty as unset), so PIPELINE_INPUT_BUCKET is really missing
    /// when <paramref name="inputBucket"/> is false.
    /// </summary>
    private static Dictionary<string, string> BootstrapEnvironment(FakeRuntimeApi fake, bool inputBucket = true)
    {
        var environment = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("PIPELINE_", StringComparison.Ordinal) || k.StartsWith("AWS_", StringComparison.Ordinal))
            .ToDictionary(k => k, _ => "");
        environment[RuntimeApiClient.EndpointVariable] = fake.HostAndPort;
        environment["LD_LIBRARY_PATH"] = Artifacts.OpenCvNativeDirectory;
        if (inputBucket)
            environment["PIPELINE_INPUT_BUCKET"] = "pipeline-input";
        environment["PIPELINE_OUTPUT_BUCKET"] = "pipeline-output";
        environment["AWS_REGION"] = "us-east-1";
        environment["AWS_ACCESS_KEY_ID"] = "test";
        environment["AWS_SECRET_ACCESS_KEY"] = "test";
        return environment;
    }

    /// <summary>Waits for what the bootstrap posts; fails with its output if it exits or stalls first.</summary>
    private static async Task<RuntimeApiPost> Answer(ChildProcess bootstrap, Task<RuntimeApiPost> post)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!post.IsCompleted && bootstrap.IsRunning && DateTime.UtcNow < deadline)
            await Task.WhenAny(post, Task.Delay(50));
        Assert.True(post.IsCompleted, $"the bootstrap {(bootstrap.IsRunning ? "did not answer" : $"exited ({bootstrap.ExitCode})")}:\n{bootstrap.Tail()}");
        return await post;
    }

    [Fact]
    public async Task The_bootstrap_converts_a_one_megapixel_jpeg_and_rejects_text()
    {
        var bootstrap = Artifacts.AotBootstrap("api");
        await using var fake = await FakeRuntimeApi.StartAsync();
        using var process = ChildProcess.Start("api bootstrap", bootstrap, [], BootstrapEnvironment(fake));
        var jpeg = TestImages.Jpeg(1000, 1000);

        var converted = await Answer(process, fake.InvokeAsync(ApiEvents.RestV1("POST", "/").WithHeader("Accept", "*/*").WithBody(jpeg).ToPayload()));
        var rejected = await Answer(process, fake.InvokeAsync(Fixtures.Bytes(Fixtures.RestV1TextBody)));

        Assert.Equal("response", converted.Kind);
        using var gray = PixelAssert.IsGray(ApiReply.Parse(converted.Body).Image("image/jpeg"));
        Assert.Equal(new Size(1000, 1000), gray.Size());
        PixelAssert.LumaMatches(jpeg, gray);
        Assert.Equal("response", rejected.Kind);
        ApiReply.Parse(rejected.Body).Error(415, "unsupported_media_type");
    }

    [Fact]
    public async Task An_sqs_event_fails_its_invocation_with_a_clear_error_and_the_next_request_is_served()
    {
        var bootstrap = Artifacts.AotBootstrap("api");
        await using var fake = await FakeRuntimeApi.StartAsync();
        using var process = ChildProcess.Start("api bootstrap", bootstrap, [], BootstrapEnvironment(fake));

        var failed = await Answer(process, fake.InvokeAsync(Fixtures.Bytes(Fixtures.SqsMessage)));
        var health = await Answer(process, fake.InvokeAsync(ApiEvents.RestV1("GET", "/health").ToPayload()));

        // An error, not a 200 page: the event source retries and dead-letters instead of deleting the message as handled.
        Assert.Equal("error", failed.Kind);
        Assert.Equal("UnsupportedEventException", failed.ErrorType);
        using var json = JsonDocument.Parse(failed.Body);
        Assert.Contains("no HTTP method and path (fields Records)", json.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, ApiReply.Parse(health.Body).StatusCode);
    }

    [Fact]
    public async Task The_bootstrap_serves_the_page_embedded_in_its_own_binary()
    {
        var bootstrap = Artifacts.AotBootstrap("api");
        await using var fake = await FakeRuntimeApi.StartAsync();
        using var process = ChildProcess.Start("api bootstrap", bootstrap, [], BootstrapEnvironment(fake));

        var page = ApiReply.Parse((await Answer(process, fake.InvokeAsync(ApiEvents.RestV1("GET", "/").ToPayload()))).Body);
        var script = ApiReply.Parse((await Answer(process, fake.InvokeAsync(ApiEvents.RestV1("GET", "/assets/app.js").ToPayload()))).Body);

        Assert.Equal(200, page.StatusCode);
        Assert.Equal("text/html; charset=utf-8", page.Header("Content-Type"));
        Assert.Contains("data-testid=\"file-input\"", page.Text, StringComparison.Ordinal);
        // On AWS (no endpoint configured) the page may connect to each bucket's own endpoint, found by signing.
        Assert.Contains("connect-src 'self' https://pipeline-input.s3.us-east-1.amazonaws.com https://pipeline-output.s3.us-east-1.amazonaws.com;", page.Header("Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal(200, script.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Artifacts.RepoRoot, "src", "Api", "Web", "Files", "app.js")), script.Body);
    }

    [Fact]
    public async Task Without_its_input_bucket_the_bootstrap_reports_an_init_error_and_exits_non_zero()
    {
        var bootstrap = Artifacts.AotBootstrap("api");
        await using var fake = await FakeRuntimeApi.StartAsync();
        using var process = ChildProcess.Start("api bootstrap", bootstrap, [], BootstrapEnvironment(fake, inputBucket: false));

        var initError = await Answer(process, fake.InitError);
        var deadline = DateTime.UtcNow + Patience;
        while (process.IsRunning && DateTime.UtcNow < deadline)
            await Task.Delay(20);

        Assert.Equal("init-error", initError.Kind);
        using var json = JsonDocument.Parse(initError.Body);
        Assert.Contains("PIPELINE_INPUT_BUCKET", json.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(initError.ErrorType, json.RootElement.GetProperty("errorType").GetString());
        Assert.False(process.IsRunning, "the bootstrap kept running after its init error");
        Assert.NotEqual(0, process.ExitCode);
        Assert.Equal(0, fake.NextRequests);
    }

    [Fact]
    public async Task The_storage_calls_of_an_invocation_carry_its_xray_trace_header()
    {
        // As on Lambda (AWS_LAMBDA_FUNCTION_NAME set from the start): the runtime loop exports
        // each invocation's trace id, and the AWS SDK sends it with the S3 calls it makes.
        int port = Tools.FreePort();
        using var storage = new System.Net.HttpListener();
        storage.Prefixes.Add($"http://127.0.0.1:{port}/");
        storage.Start();
        var traceHeaders = new System.Collections.Concurrent.ConcurrentBag<string?>();
        var serving = Task.Run(async () =>
        {
            while (storage.IsListening)
            {
                var context = await storage.GetContextAsync();
                traceHeaders.Add(context.Request.Headers["X-Amzn-Trace-Id"]);
                context.Response.StatusCode = 404; // no such object: the job is pending
                context.Response.Close();
            }
        });
        var bootstrap = Artifacts.AotBootstrap("api");
        await using var fake = await FakeRuntimeApi.StartAsync();
        var environment = BootstrapEnvironment(fake);
        environment["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{port}";
        environment["AWS_LAMBDA_FUNCTION_NAME"] = "pipeline-api";
        using var process = ChildProcess.Start("api bootstrap", bootstrap, [], environment);
        const string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        var job = Pipeline.Jobs.JobId.New(DateTimeOffset.UtcNow).Value;

        var answer = await Answer(process, fake.InvokeAsync(ApiEvents.RestV1("GET", "/jobs/" + job).ToPayload(), traceId: trace));

        Assert.Equal(202, ApiReply.Parse(answer.Body).StatusCode);
        Assert.NotEmpty(traceHeaders);
        Assert.All(traceHeaders, header => Assert.Equal(trace, header));
        storage.Stop();
    }
}
