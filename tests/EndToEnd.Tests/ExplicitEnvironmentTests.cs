using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Worker.Events;
using Pipeline.Api;
using Pipeline.Lambda;
using Pipeline.Worker;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// Both functions composed the way Lambda composes them, but over an explicit set of variables
/// (moto's endpoint, region and placeholder keys) instead of the process environment: the
/// presigned flow and the worker work with exactly those, and nothing from the machine's
/// <c>~/.aws</c> or <c>AWS_*</c> variables. CI runs the suite with an empty HOME and no
/// <c>AWS_*</c> variables, where anything else would fail to find credentials.
/// </summary>
public sealed class ExplicitEnvironmentTests : IAsyncLifetime
{
    private MotoServer _moto = null!;

    public async Task InitializeAsync() => _moto = await MotoServer.StartAsync();

    public async Task DisposeAsync() => await _moto.DisposeAsync();

    private string? Variable(string name) => _moto.Environment.GetValueOrDefault(name);

    [Fact]
    public async Task Upload_job_and_worker_run_on_the_given_variables_alone()
    {
        var api = ApiFunction.FromEnvironment(Variable);
        var worker = WorkerFunction.FromEnvironment(Variable);
        var photo = TestImages.NoisyJpeg(320, 240);

        using var created = await InvokeAsync(api, ApiEvents.RestV1("POST", "/uploads")
            .WithTextBody($$"""{"contentType":"image/jpeg","contentLength":{{photo.Length}}}"""));
        Assert.Equal(201, created.Status);
        var id = created.Json.RootElement.GetProperty("id").GetString()!;
        var url = created.Json.RootElement.GetProperty("upload").GetProperty("url").GetString()!;

        using var http = new HttpClient();
        using (var put = await PresignedPut.SendAsync(http, url, photo, "image/jpeg"))
            Assert.True(put.IsSuccessStatusCode, $"PUT answered {(int)put.StatusCode}");
        using (var pending = await InvokeAsync(api, ApiEvents.RestV1("GET", "/jobs/" + id)))
            Assert.Equal(202, pending.Status);

        // The notification the input bucket sends for the upload, as the SQS event source delivers it.
        var etag = (await _moto.S3.GetObjectMetadataAsync(_moto.InputBucket, "uploads/" + id)).ETag.Trim('"');
        var batch = S3Notifications.SqsEvent(1, ("m1", S3Notifications.ObjectCreated(_moto.InputBucket, "uploads/" + id, etag)));
        var answer = await worker.HandleAsync(new Invocation("w1", DateTimeOffset.UtcNow.AddMinutes(1), null, batch), CancellationToken.None);
        Assert.Empty(JsonSerializer.Deserialize(answer.Span, WorkerJsonContext.Default.SQSBatchResponse)!.BatchItemFailures);

        using var done = await InvokeAsync(api, ApiEvents.RestV1("GET", "/jobs/" + id));
        Assert.Equal(200, done.Status);
        var result = await http.GetByteArrayAsync(done.Json.RootElement.GetProperty("resultUrl").GetString());
        using var gray = PixelAssert.IsGray(result);
        Assert.Equal((320, 240), (gray.Width, gray.Height));
    }

    private static async Task<JsonReply> InvokeAsync(ApiFunction function, JsonObject e)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.AddSeconds(29), null, e.ToPayload());
        var document = JsonNode.Parse((await function.HandleAsync(invocation, CancellationToken.None)).Span)!;
        return new JsonReply((int)document["statusCode"]!, JsonDocument.Parse(Encoding.UTF8.GetBytes((string?)document["body"] ?? "{}")));
    }

    private sealed record JsonReply(int Status, JsonDocument Json) : IDisposable
    {
        public void Dispose() => Json.Dispose();
    }
}
