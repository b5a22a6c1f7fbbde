using System.Text.Json;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using OpenCvSharp;

namespace Pipeline.Tests.EndToEnd;

/// <summary>At-least-once delivery and a worker that dies: nothing is processed twice, nothing is lost.</summary>
[Collection("stack")]
public sealed class DeliveryTests : IDisposable
{
    private readonly PipelineStack _stack;
    private readonly TempDirectory _dir = new("delivery-");

    public DeliveryTests(PipelineStack stack) => _stack = stack;

    [Fact]
    public async Task One_event_delivered_twice_gives_one_output_processed_once()
    {
        var key = $"dup-{Guid.NewGuid():N}/twice delivered+.jpg";
        await _stack.Worker.StopAsync();
        var put = await _stack.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _stack.InputBucket,
            Key = key,
            InputStream = new MemoryStream(TestImages.Jpeg(640, 480)),
        });
        // The same notification again, as an at-least-once delivery may send it.
        var queueUrl = (await _stack.Sqs.GetQueueUrlAsync(_stack.QueueName)).QueueUrl;
        var notification = S3Notifications.ObjectCreated(_stack.InputBucket, key, put.ETag.Trim('"'));
        await _stack.Sqs.SendMessageAsync(queueUrl, notification);

        var worker = _stack.StartWorker();
        await _stack.WaitForOutputsAsync(key, [key], TimeSpan.FromSeconds(60));
        await WaitForQueueToDrainAsync(queueUrl);
        var first = await _stack.S3.GetObjectMetadataAsync(_stack.OutputBucket, key);

        // And once more after the work is done.
        await _stack.Sqs.SendMessageAsync(queueUrl, notification);
        await worker.WaitForLineAsync(l => IsObjectLine(l, key, "AlreadyDone"), TimeSpan.FromSeconds(30));
        await WaitForQueueToDrainAsync(queueUrl);

        Assert.Equal(1, worker.Lines.Count(l => IsObjectLine(l, key, "Converted")));
        var last = await _stack.S3.GetObjectMetadataAsync(_stack.OutputBucket, key);
        Assert.Equal(first.ETag, last.ETag);
        Assert.Equal(first.LastModified, last.LastModified);
        var dead = await DeadLettersAsync();
        Assert.True(dead.Count == 0, string.Join("\n", dead.Select(m => m.Body + " " + string.Join(",", m.Attributes ?? []))) + "\n" + _stack.Worker.Tail(80));
    }

    [Fact]
    public async Task A_worker_killed_mid_batch_and_restarted_loses_nothing()
    {
        const int Count = 48;
        var prefix = $"kill-{Guid.NewGuid():N}/";
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "kill")).FullName;
        var expected = new List<string>();
        for (int i = 0; i < Count; i++)
        {
            // Noise makes each conversion take a while, so the kill lands mid-batch.
            await File.WriteAllBytesAsync(Path.Combine(folder, $"img {i:00}.jpg"), TestImages.NoisyJpeg(1600, 1200, quality: 90, seed: i));
            expected.Add($"{prefix}img {i:00}.jpg");
        }

        await _stack.Worker.StopAsync();
        await _stack.AwsAsync("s3", "cp", folder, $"s3://{_stack.InputBucket}/{prefix}", "--recursive", "--only-show-errors");
        var doomed = _stack.StartWorker();
        await doomed.WaitForLineAsync(l => l.Contains(prefix, StringComparison.Ordinal) && l.Contains("\"Converted\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        doomed.Kill();
        int doneAtKill = (await _stack.KeysAsync(_stack.OutputBucket, prefix)).Count;
        Assert.InRange(doneAtKill, 1, Count - 1); // it really died mid-way

        _stack.StartWorker();
        await _stack.WaitForOutputsAsync(prefix, expected, TimeSpan.FromMinutes(2));

        var outputs = await _stack.KeysAsync(_stack.OutputBucket, prefix);
        Assert.Equal(expected.Order(StringComparer.Ordinal), outputs.Order(StringComparer.Ordinal));
        foreach (var key in expected.Take(5))
        {
            var (bytes, _) = await _stack.GetAsync(_stack.OutputBucket, key);
            using var gray = PixelAssert.IsGray(bytes);
            Assert.Equal(new Size(1600, 1200), gray.Size());
        }
        Assert.Empty(await DeadLettersAsync());
    }

    private static bool IsObjectLine(string line, string key, string outcome)
    {
        if (!line.StartsWith('{') || !line.Contains("\"msg\":\"object\"", StringComparison.Ordinal))
            return false;
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("key").GetString() == key && json.RootElement.GetProperty("outcome").GetString() == outcome;
    }

    private async Task WaitForQueueToDrainAsync(string queueUrl)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var attributes = await _stack.Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
            {
                QueueUrl = queueUrl,
                AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            });
            if (attributes.ApproximateNumberOfMessages == 0 && attributes.ApproximateNumberOfMessagesNotVisible == 0)
                return;
            await Task.Delay(200);
        }
        throw new TimeoutException("the queue did not drain:\n" + _stack.Worker.Tail());
    }

    private async Task<List<Message>> DeadLettersAsync()
    {
        var dlq = (await _stack.Sqs.GetQueueUrlAsync(_stack.Environment["PIPELINE_QUEUE_NAME"] + "-dlq")).QueueUrl;
        var received = await _stack.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = dlq, MaxNumberOfMessages = 10, VisibilityTimeout = 0, MessageSystemAttributeNames = ["All"] });
        return received.Messages ?? [];
    }

    public void Dispose() => _dir.Dispose();
}
