using Amazon.S3.Model;
using Xunit.Abstractions;

namespace Pipeline.Tests.Cli;

/// <summary>`pipeline backfill`: objects that got no event are converted without being uploaded again; finished ones are left alone.</summary>
[Collection("cli")]
public sealed class BackfillTests
{
    private readonly CliStack _stack;
    private readonly ITestOutputHelper _output;

    public BackfillTests(CliStack stack, ITestOutputHelper output)
    {
        _stack = stack;
        _output = output;
    }

    [Fact]
    public async Task Objects_put_while_notifications_were_off_are_converted_and_a_converted_one_is_skipped()
    {
        var prefix = $"backfill-{Guid.NewGuid():N}/";
        await _stack.Moto.PutAsync(_stack.InputBucket, prefix + "done before.jpg", TestImages.Jpeg(80, 60));
        var done = await WaitForOutputAsync(prefix + "done before.jpg");

        var silent = new Dictionary<string, byte[]>
        {
            ["old photos/a b+c%.jpg"] = TestImages.Jpeg(96, 64, seed: 5),
            ["ünïcödé.png"] = TestImages.Png(50, 40),
            ["broken.jpg"] = TestImages.Jpeg(100, 100)[..300],
        };
        await using (await NotificationsOff.StartAsync(_stack))
        {
            foreach (var (key, bytes) in silent)
                await _stack.Moto.PutAsync(_stack.InputBucket, prefix + key, bytes);
        }
        // No event was sent for them (the bucket had no notification configuration), so nothing converts them but a backfill.
        var status = await _stack.RunAsync("status", $"s3://{_stack.InputBucket}/{prefix}");
        Assert.EndsWith($"1 converted, 0 failed, 3 pending of 4 inputs under s3://{_stack.InputBucket}/{prefix}: not finished", status.Stdout.TrimEnd('\n'), StringComparison.Ordinal);

        var backfill = await _stack.RunAsync("backfill", $"s3://{_stack.InputBucket}/{prefix}");
        _output.WriteLine(backfill.Stdout + backfill.Stderr);

        Assert.Equal(1, backfill.ExitCode);
        Assert.Contains("4 inputs under", backfill.Stdout, StringComparison.Ordinal);
        Assert.Contains("3 to send to the worker, 1 already finished for their current version", backfill.Stdout, StringComparison.Ordinal);
        var (converted, failed, line) = CliStack.Summary(backfill.Stdout);
        Assert.Equal((3, 1), (converted, failed));
        Assert.Contains("3 sent to the worker", line, StringComparison.Ordinal);
        Assert.Contains($"failed: {prefix}broken.jpg: corrupt_image: ", backfill.Stdout, StringComparison.Ordinal);
        foreach (var key in new[] { "old photos/a b+c%.jpg", "ünïcödé.png" })
        {
            var (bytes, _) = await _stack.Moto.GetAsync(_stack.OutputBucket, prefix + key);
            using var gray = PixelAssert.IsGray(bytes);
        }
        var after = await _stack.S3.GetObjectMetadataAsync(_stack.OutputBucket, prefix + "done before.jpg");
        Assert.Equal(done.ETag, after.ETag);
        Assert.Equal(done.LastModified, after.LastModified);
    }

    private async Task<GetObjectMetadataResponse> WaitForOutputAsync(string key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await _stack.Moto.KeysAsync(_stack.OutputBucket, key)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no output for {key}:\n{_stack.Worker.Tail()}");
            await Task.Delay(200);
        }
        return await _stack.S3.GetObjectMetadataAsync(_stack.OutputBucket, key);
    }

    /// <summary>The input bucket's notification configuration removed until disposed, then put back as it was.</summary>
    private sealed class NotificationsOff : IAsyncDisposable
    {
        private readonly CliStack _stack;
        private readonly List<QueueConfiguration> _saved;

        private NotificationsOff(CliStack stack, List<QueueConfiguration> saved)
        {
            _stack = stack;
            _saved = saved;
        }

        public static async Task<NotificationsOff> StartAsync(CliStack stack)
        {
            var saved = await stack.S3.GetBucketNotificationAsync(stack.InputBucket);
            Assert.NotEmpty(saved.QueueConfigurations);
            await stack.S3.PutBucketNotificationAsync(new PutBucketNotificationRequest { BucketName = stack.InputBucket });
            var off = await stack.S3.GetBucketNotificationAsync(stack.InputBucket);
            Assert.Empty(off.QueueConfigurations ?? []);
            Assert.Empty(off.TopicConfigurations ?? []);
            Assert.Empty(off.LambdaFunctionConfigurations ?? []);
            return new NotificationsOff(stack, saved.QueueConfigurations);
        }

        public async ValueTask DisposeAsync() =>
            await _stack.S3.PutBucketNotificationAsync(new PutBucketNotificationRequest { BucketName = _stack.InputBucket, QueueConfigurations = _saved });
    }
}
