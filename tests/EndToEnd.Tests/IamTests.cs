using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Pipeline.Tests.Iam;
using Xunit.Abstractions;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// Every AWS call the API, the worker and the pipeline CLI make, as recorded on the stack's way to
/// the emulator (which checks no permissions), is allowed by the role each runs as on AWS: the
/// translated template's policies, evaluated by <see cref="IamSimulator"/>. The test walks every
/// path that touches storage or the queue (an upload through the API to its result, a failed one,
/// an unknown job, the CLI's convert, status and backfill), then checks every call recorded on
/// the stack so far, including those of the tests that ran before it.
/// </summary>
[Collection("stack")]
public sealed class IamTests : IDisposable
{
    private const string Api = "ApiFunctionRole";
    private const string Worker = "WorkerFunctionRole";
    private const string Operator = "OperatorRole";

    private readonly PipelineStack _stack;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new("iam-");
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false });

    public IamTests(PipelineStack stack, ITestOutputHelper output)
    {
        _stack = stack;
        _output = output;
    }

    [Fact]
    public async Task Every_call_the_functions_and_the_cli_make_is_allowed_by_their_roles()
    {
        var prefix = $"iam-{Guid.NewGuid():N}";
        await UploadThroughTheApiAsync(TestImages.Jpeg(64, 48), "image/jpeg", HttpStatusCode.OK);
        await UploadThroughTheApiAsync(Encoding.UTF8.GetBytes("not an image"), "image/png", HttpStatusCode.UnprocessableEntity);
        using (var unknown = await _http.GetAsync(new Uri(_stack.ApiUrl, "jobs/0" + new string('A', 25)))) // a well-formed id never issued
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await ConvertStatusAndBackfillAsync(prefix);

        var calls = _stack.Calls.CallsOf(Api, Worker, Operator);
        var unmapped = _stack.Calls.Unmapped.Where(u => new[] { Api, Worker, Operator }.Any(r => u.StartsWith(AwsCallRecorder.AccessKey(r) + " ", StringComparison.Ordinal))).ToList();
        var distinct = calls.DistinctBy(c => (c.Principal, c.Action, c.Resource, string.Join(',', c.Context.OrderBy(x => x.Key).Select(x => x.Key + "=" + x.Value)))).ToList();
        var decisions = await new IamSimulator(DeployedPolicies.Load()).DecideAsync(distinct);
        foreach (var decision in decisions)
            _output.WriteLine(decision.ToString());

        Assert.True(unmapped.Count == 0, "requests not mapped to an IAM action:\n" + string.Join('\n', unmapped));
        // What the walk above must have exercised, so an empty recording cannot pass.
        var made = calls.Select(c => (c.Principal, c.Action)).ToHashSet();
        foreach (var expected in new[]
        {
            (Api, "s3:PutObject"), (Api, "s3:GetObject"),
            (Worker, "sqs:ReceiveMessage"), (Worker, "sqs:DeleteMessage"), (Worker, "s3:GetObject"), (Worker, "s3:PutObject"),
            (Operator, "s3:PutObject"), (Operator, "s3:ListBucket"), (Operator, "s3:GetObject"), (Operator, "sqs:SendMessage"),
        })
        {
            Assert.True(made.Contains(expected), $"no {expected.Item2} by {expected.Item1} was recorded; recorded: {string.Join(", ", made.Order())}");
        }
        var denied = decisions.Where(d => !d.Allowed).ToList();
        Assert.True(denied.Count == 0, $"{denied.Count} of {decisions.Count} distinct calls are denied on AWS:\n" + string.Join('\n', denied));
    }

    /// <summary>POST /uploads, PUT to the presigned URL (signed with the API's role), poll the job, then follow its result.</summary>
    private async Task UploadThroughTheApiAsync(byte[] body, string contentType, HttpStatusCode expected)
    {
        using var created = await _http.PostAsync(new Uri(_stack.ApiUrl, "uploads"),
            new StringContent($$"""{"contentType":"{{contentType}}","contentLength":{{body.Length}}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var ticket = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = ticket.RootElement.GetProperty("id").GetString()!;
        using (var put = await PresignedPut.SendAsync(_http, ticket.RootElement.GetProperty("upload").GetProperty("url").GetString()!, body, contentType))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var status = await WaitWhilePendingAsync(id);
        Assert.Equal(expected, status);
        if (expected != HttpStatusCode.OK)
            return;
        using var redirect = await _http.GetAsync(new Uri(_stack.ApiUrl, $"jobs/{id}/result"));
        Assert.Equal(HttpStatusCode.SeeOther, redirect.StatusCode);
        using var result = await _http.GetAsync(redirect.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        using var gray = PixelAssert.IsGray(await result.Content.ReadAsByteArrayAsync());
    }

    private async Task<HttpStatusCode> WaitWhilePendingAsync(string id)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var status = await _http.GetAsync(new Uri(_stack.ApiUrl, "jobs/" + id));
            if (status.StatusCode != HttpStatusCode.Accepted)
                return status.StatusCode;
            Assert.True(started.Elapsed < TimeSpan.FromMinutes(2), $"job {id} still pending\n{_stack.Describe()}");
            await Task.Delay(200);
        }
    }

    /// <summary>The CLI as the operator role: convert a folder (an image and a file that is not one), count it, and backfill an input whose notification the worker never saw.</summary>
    private async Task ConvertStatusAndBackfillAsync(string prefix)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, prefix)).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, "a.jpg"), TestImages.Jpeg(80, 60));
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not an image");
        var convert = await CliAsync("convert", folder, Path.Combine(_dir.Path, "out"));
        Assert.True(convert.ExitCode == 1, $"convert: exit {convert.ExitCode}\n{convert.Stdout}\n{convert.Stderr}"); // notes.txt fails, a.jpg converts
        Assert.Contains("1 converted, 1 failed", convert.Stdout, StringComparison.Ordinal);
        var status = await CliAsync("status", $"s3://{_stack.InputBucket}/{prefix}/");
        Assert.True(status.ExitCode is 0 or 1, $"status: exit {status.ExitCode}\n{status.Stderr}");

        // With the worker stopped, an input's job stays pending: backfill sends its notification.
        await _stack.Worker.StopAsync();
        var late = $"{prefix}/late.jpg";
        await _stack.S3.PutObjectAsync(new PutObjectRequest { BucketName = _stack.InputBucket, Key = late, InputStream = new MemoryStream(TestImages.Jpeg(40, 30)) });
        var backfill = await CliAsync("backfill", $"s3://{_stack.InputBucket}/{prefix}/", "--no-wait");
        Assert.True(backfill.ExitCode == 1, $"backfill: exit {backfill.ExitCode}\n{backfill.Stdout}\n{backfill.Stderr}"); // notes.txt still failed
        Assert.Contains("1 sent to the worker", backfill.Stdout, StringComparison.Ordinal);
        await LocalHost.WaitUntilPollingAsync(_stack.StartWorker());
        await _stack.WaitForOutputsAsync(late, [late], TimeSpan.FromMinutes(2));
    }

    private Task<ToolResult> CliAsync(params string[] arguments) =>
        Tools.RunAsync("dotnet", [Artifacts.NewestBuild("Cli", "pipeline.dll"), .. arguments], _stack.EnvironmentOf(Operator), timeout: TimeSpan.FromMinutes(4));

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }
}
