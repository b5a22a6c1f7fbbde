using System.Globalization;
using System.Text.Json;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using OpenCvSharp;
using Pipeline.Jobs;
using Xunit.Abstractions;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// A worker whose S3 endpoint (AWS_ENDPOINT_URL_S3) sits behind a <see cref="FaultProxy"/>:
/// S3 errors, an endpoint that restarts mid-batch, an object that can never be read. S3 is all
/// the deployed worker function talks to; its queue is polled by AWS's event source mapping,
/// which the local host emulates against the emulator directly. Whatever happens, every input
/// ends with an output, an .error.json or a dead-letter message.
/// </summary>
[Collection("stack")]
public sealed class FaultTests : IAsyncLifetime
{
    // Short, so a failed message comes back (and a poison one reaches the DLQ) within seconds.
    private const int VisibilityTimeoutSeconds = 3;

    private readonly PipelineStack _stack;
    private readonly ITestOutputHelper _output;
    private readonly string _prefix = $"fault-{Guid.NewGuid():N}/";
    private FaultProxy _proxy = null!;

    public FaultTests(PipelineStack stack, ITestOutputHelper output)
    {
        _stack = stack;
        _output = output;
    }

    public async Task InitializeAsync()
    {
        _proxy = await FaultProxy.StartAsync(new Uri(_stack.Endpoint));
        // The stack's own worker would take the messages past the proxy.
        await _stack.Worker.StopAsync();
    }

    [Fact]
    public async Task S3_errors_on_get_and_put_are_retried_by_the_sdk_and_every_output_arrives()
    {
        var keys = await UploadAsync(Enumerable.Range(0, 4).ToDictionary(i => $"img {i}.jpg", i => TestImages.Jpeg(800, 600, seed: i)));
        var faults = keys.SelectMany(key => new[]
        {
            _proxy.Fail("GetObject " + key, FaultProxy.S3("GET", _stack.InputBucket, key), 503, times: 2),
            _proxy.Fail("PutObject " + key, FaultProxy.S3("PUT", _stack.OutputBucket, key), 500, times: 2),
        }).ToList();

        // The queue's visibility timeout stays longer than the retries' backoff, so no message comes back while its object is being retried.
        var worker = await StartProxiedWorkerAsync(visibilityTimeoutSeconds: PipelineStack.VisibilityTimeoutSeconds);
        await _stack.WaitForOutputsAsync(_prefix, keys, TimeSpan.FromSeconds(45));
        Report();

        Assert.All(faults, f => Assert.Equal(2, f.Injected));
        // Each object was converted once, in its first delivery: the SDK's retries absorbed every error.
        foreach (var key in keys)
            Assert.Equal(1, worker.Lines.Count(l => IsObjectLine(l, key, "Converted")));
        Assert.DoesNotContain(worker.Lines, l => l.Contains("\"object failed\"", StringComparison.Ordinal));
        await AssertGrayAsync(keys, new Size(800, 600));
        await AssertQueuesHoldNothingOfAsync(keys);
    }

    [Fact]
    public async Task An_endpoint_that_restarts_mid_batch_loses_nothing()
    {
        const int Count = 24;
        var files = Enumerable.Range(0, Count).ToDictionary(i => $"photo {i:00}.jpg", i => TestImages.NoisyJpeg(1600, 1200, quality: 90, seed: i));
        files["notes.txt"] = "not an image"u8.ToArray();
        var keys = await UploadAsync(files);
        var images = keys.Where(k => k.EndsWith(".jpg", StringComparison.Ordinal)).ToList();
        var expected = images.Append(_prefix + "notes.txt.error.json").ToList();

        var worker = await StartProxiedWorkerAsync();
        await worker.WaitForLineAsync(l => l.Contains(_prefix, StringComparison.Ordinal) && l.Contains("\"Converted\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        int doneBeforeRestart = worker.Lines.Count(l => l.Contains(_prefix, StringComparison.Ordinal) && l.Contains("\"msg\":\"object\"", StringComparison.Ordinal));
        await _proxy.RefuseConnectionsAsync(TimeSpan.FromSeconds(4));

        await _stack.WaitForOutputsAsync(_prefix, expected, TimeSpan.FromSeconds(50));
        Report();

        Assert.InRange(doneBeforeRestart, 1, Count - 1); // the outage really came mid-way
        Assert.True(worker.IsRunning, "the worker died:\n" + worker.Tail());
        // The outage was felt: work in flight failed and was delivered again.
        Assert.Contains(worker.Lines, l => l.Contains(_prefix, StringComparison.Ordinal) && l.Contains("\"object failed\"", StringComparison.Ordinal));
        var outputs = await _stack.KeysAsync(_stack.OutputBucket, _prefix);
        Assert.Equal(expected.Order(StringComparer.Ordinal), outputs.Order(StringComparer.Ordinal));
        await AssertGrayAsync(images.Take(3), new Size(1600, 1200));
        await AssertQueuesHoldNothingOfAsync(keys);
    }

    [Fact]
    public async Task An_object_that_can_never_be_read_reaches_the_dlq_after_the_templates_receive_count_and_the_rest_of_its_batch_succeeds()
    {
        // The redrive policy's maxReceiveCount, which the local stack takes from template.yaml.
        var template = SamTemplate.Load();
        var receives = int.Parse(template.Value(SamTemplate.Map(template.Properties("WorkerQueue"), "RedrivePolicy").Children["maxReceiveCount"]), CultureInfo.InvariantCulture);
        var keys = await UploadAsync(Enumerable.Range(0, 5).ToDictionary(i => i == 2 ? "poison.jpg" : $"good {i}.jpg", i => TestImages.Jpeg(640, 480, seed: i)));
        var poison = _prefix + "poison.jpg";
        var good = keys.Where(k => k != poison).ToList();
        var fault = _proxy.Fail("GetObject " + poison, FaultProxy.S3("GET", _stack.InputBucket, poison), 500);

        // One poller, so the five messages arrive in one batch. An invocation's deadline is the
        // visibility timeout it received its batch with: the stack's, long enough for every
        // delivery to make all of the SDK's attempts before its deadline.
        var worker = await StartProxiedWorkerAsync(pollers: 1, visibilityTimeoutSeconds: PipelineStack.VisibilityTimeoutSeconds);
        await _stack.WaitForOutputsAsync(_prefix, good, TimeSpan.FromSeconds(30));
        var dead = await WaitForDeadLetterAsync(poison, TimeSpan.FromSeconds(20 * receives));
        Report();

        var firstBatch = worker.Lines.Where(l => l.Contains("\"msg\":\"batch\"", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l)).First();
        Assert.Equal(5, firstBatch.RootElement.GetProperty("messages").GetInt32());
        Assert.Equal(1, firstBatch.RootElement.GetProperty("failed").GetInt32());
        Assert.Equal(receives, worker.Lines.Count(l => IsFailureLine(l, poison)));
        Assert.True(int.Parse(dead.Attributes["ApproximateReceiveCount"], CultureInfo.InvariantCulture) >= receives, "receive count " + dead.Attributes["ApproximateReceiveCount"]);
        // Each delivery read the object with the SDK's four attempts before giving up.
        Assert.Equal(receives * 4, fault.Injected);
        // On its last receive the poison object was also reported, so a job would read "failed".
        var report = poison + ObjectKeys.ErrorSuffix;
        var outputs = await _stack.KeysAsync(_stack.OutputBucket, _prefix);
        Assert.Equal(good.Append(report).Order(StringComparer.Ordinal), outputs.Order(StringComparer.Ordinal));
        var (reportBytes, _) = await _stack.GetAsync(_stack.OutputBucket, report);
        using (var reportJson = JsonDocument.Parse(reportBytes))
            Assert.Equal("unavailable", reportJson.RootElement.GetProperty("code").GetString());
        await AssertQueuesHoldNothingOfAsync(good);

        // Once the cause is gone, the redrive script puts it back and it comes through; the result replaces the report.
        fault.Clear();
        var redrive = await Tools.RunAsync(Path.Combine(Artifacts.RepoRoot, "scripts", "redrive-dlq.sh"), [], _stack.Environment);
        Assert.True(redrive.ExitCode == 0, redrive.Stderr);
        Assert.Contains("moved 1 message", redrive.Stdout, StringComparison.Ordinal);
        await _stack.WaitForOutputsAsync(_prefix, keys, TimeSpan.FromSeconds(30));
        await AssertGrayAsync([poison], new Size(640, 480));
        Assert.DoesNotContain(report, await _stack.KeysAsync(_stack.OutputBucket, _prefix));
        Assert.Empty(await DeadLettersOfAsync(_prefix));
    }

    private async Task<ChildProcess> StartProxiedWorkerAsync(int pollers = 2, int visibilityTimeoutSeconds = VisibilityTimeoutSeconds)
    {
        var worker = _stack.StartWorker(
            new Dictionary<string, string> { ["AWS_ENDPOINT_URL_S3"] = _proxy.Url.ToString() },
            new Dictionary<string, string>
            {
                ["--pollers"] = pollers.ToString(CultureInfo.InvariantCulture),
                ["--visibility-timeout"] = visibilityTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            });
        await LocalHost.WaitUntilPollingAsync(worker);
        return worker;
    }

    /// <summary>Puts the files under this test's prefix while no worker polls; returns their keys.</summary>
    private async Task<List<string>> UploadAsync(Dictionary<string, byte[]> files)
    {
        foreach (var (name, bytes) in files)
        {
            await _stack.S3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _stack.InputBucket,
                Key = _prefix + name,
                InputStream = new MemoryStream(bytes),
            });
        }
        return files.Keys.Select(n => _prefix + n).ToList();
    }

    private async Task AssertGrayAsync(IEnumerable<string> keys, Size size)
    {
        foreach (var key in keys)
        {
            var (bytes, _) = await _stack.GetAsync(_stack.OutputBucket, key);
            using var gray = PixelAssert.IsGray(bytes);
            Assert.Equal(size, gray.Size());
        }
    }

    private void Report()
    {
        _output.WriteLine($"proxy: {_proxy.Forwarded} requests forwarded, {_proxy.Injected.Count} faults injected");
        foreach (var line in _proxy.Injected.Take(40))
            _output.WriteLine("  " + line);
    }

    private static bool IsObjectLine(string line, string key, string outcome)
    {
        if (!line.StartsWith('{') || !line.Contains("\"msg\":\"object\"", StringComparison.Ordinal))
            return false;
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("key").GetString() == key && json.RootElement.GetProperty("outcome").GetString() == outcome;
    }

    private static bool IsFailureLine(string line, string key)
    {
        if (!line.StartsWith('{') || !line.Contains("\"msg\":\"object failed\"", StringComparison.Ordinal))
            return false;
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("key").GetString() == key;
    }

    private async Task<string> QueueUrlAsync(string name) => (await _stack.Sqs.GetQueueUrlAsync(name)).QueueUrl;

    /// <summary>Waits until the dead-letter queue holds a message naming <paramref name="key"/>; returns it, left in place.</summary>
    private async Task<Message> WaitForDeadLetterAsync(string key, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var match = (await DeadLettersOfAsync(_prefix)).FirstOrDefault(m => Names(m, key));
            if (match is not null)
                return match;
            await Task.Delay(500);
        }
        throw new TimeoutException($"{key} did not reach the dead-letter queue:\n{_stack.Worker.Tail()}");
    }

    /// <summary>The dead-letter messages naming keys under <paramref name="prefix"/>, received and made visible again at once.</summary>
    private async Task<List<Message>> DeadLettersOfAsync(string prefix)
    {
        var received = await _stack.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = await QueueUrlAsync(_stack.QueueName + "-dlq"),
            MaxNumberOfMessages = 10,
            VisibilityTimeout = 0,
            MessageSystemAttributeNames = ["All"],
        });
        return (received.Messages ?? []).Where(m => Names(m, prefix)).ToList();
    }

    /// <summary>Whether an S3 notification's body names <paramref name="keyOrPrefix"/> (S3 URL-encodes keys: '+' for a space, %2F for '/').</summary>
    private static bool Names(Message message, string keyOrPrefix) =>
        message.Body.Contains(System.Net.WebUtility.UrlEncode(keyOrPrefix), StringComparison.Ordinal);

    /// <summary>
    /// Waits for the work queue to hold nothing, visible or in flight (the worker deletes a
    /// batch's messages just after writing its outputs), then asserts the dead-letter queue
    /// holds nothing of <paramref name="keys"/>.
    /// </summary>
    private async Task AssertQueuesHoldNothingOfAsync(IReadOnlyCollection<string> keys)
    {
        var queueUrl = await QueueUrlAsync(_stack.QueueName);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        GetQueueAttributesResponse depth;
        do
        {
            await Task.Delay(200);
            depth = await _stack.Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
            {
                QueueUrl = queueUrl,
                AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            });
        }
        while (depth.ApproximateNumberOfMessages + depth.ApproximateNumberOfMessagesNotVisible > 0 && DateTime.UtcNow < deadline);
        Assert.Equal(0, depth.ApproximateNumberOfMessages);
        Assert.Equal(0, depth.ApproximateNumberOfMessagesNotVisible);
        Assert.DoesNotContain(await DeadLettersOfAsync(_prefix), m => keys.Any(k => Names(m, k)));
    }

    public async Task DisposeAsync()
    {
        await _stack.Worker.StopAsync();
        await _proxy.DisposeAsync();
        // Whatever this test left in the dead-letter queue would be blamed on the next one.
        var dlq = await QueueUrlAsync(_stack.QueueName + "-dlq");
        foreach (var message in await DeadLettersOfAsync(_prefix))
            await _stack.Sqs.DeleteMessageAsync(dlq, message.ReceiptHandle);
        _stack.StartWorker();
    }
}
