using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using OpenCvSharp;
using Pipeline.Worker.Events;
using Pipeline.Diagnostics;
using Pipeline.Aws;
using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;
using Pipeline.Lambda;
using Pipeline.Jobs;
using Pipeline.Settings;
using Pipeline.Worker;

namespace Pipeline.Tests.Worker;

/// <summary>The worker function's own handler against real S3 (moto): what it writes, reports and retries.</summary>
public sealed class WorkerFunctionTests : IClassFixture<MotoFixture>
{
    private readonly MotoServer _moto;
    private readonly AmazonS3Client _s3;
    private readonly string _prefix = $"unit-{Guid.NewGuid():N}/";

    public WorkerFunctionTests(MotoFixture fixture)
    {
        _moto = fixture.Server;
        _s3 = _moto.S3;
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
    }

    /// <summary>The queue's maxReceiveCount, as the worker's options take it by default.</summary>
    private static int LastReceive => (int)PipelineSettings.MaxReceiveCount.FixedDefault;

    private string Input => _moto.InputBucket;
    private string Output => _moto.OutputBucket;

    private WorkerFunction Function(long maxObjectBytes = 50L * 1024 * 1024, long maxPixels = 50_000_000, EmbeddedMetrics? metrics = null, long decodeBudgetBytes = 1L << 30, string? endpoint = null, JsonLog? log = null)
    {
        var options = new WorkerOptions
        {
            Storage = new StorageOptions { InputBucket = Input, OutputBucket = Output, MaxObjectBytes = maxObjectBytes },
            Imaging = new ImagingLimits { MaxPixels = maxPixels },
            MaxConcurrency = 4,
            DecodeBudgetBytes = decodeBudgetBytes,
        };
        var aws = AwsEnvironment.FromEnvironment(name => name == "AWS_ENDPOINT_URL" && endpoint is not null ? endpoint : _moto.Environment.GetValueOrDefault(name));
        var store = new JobStore(aws.CreateS3Client(), options.Storage, aws.UsesHttp, TimeProvider.System);
        return new WorkerFunction(store, Converters.Create(options.Imaging), options, log ?? JsonLog.Null, TimeProvider.System, metrics);
    }

    private Task<string> PutAsync(string key, byte[] body) => _moto.PutAsync(Input, key, body);

    private static string Notification(string bucket, string key, string etag) => S3Notifications.ObjectCreated(bucket, key, etag);

    private static byte[] SqsEvent(params (string Id, string Body)[] messages) => SqsEvent(receiveCount: 1, messages);

    private static byte[] SqsEvent(int receiveCount, params (string Id, string Body)[] messages) => S3Notifications.SqsEvent(receiveCount, messages);

    private static async Task<List<string>> FailuresAsync(WorkerFunction function, byte[] payload, TimeSpan? timeLeft = null)
    {
        var invocation = new Invocation("req-1", DateTimeOffset.UtcNow + (timeLeft ?? TimeSpan.FromMinutes(1)), null, payload);
        var response = await function.HandleAsync(invocation, CancellationToken.None);
        var batch = JsonSerializer.Deserialize(response.Span, WorkerJsonContext.Default.SQSBatchResponse)!;
        return batch.BatchItemFailures.Select(f => f.ItemIdentifier!).ToList();
    }

    private Task<(byte[] Bytes, GetObjectResponse Response)> GetAsync(string key) => _moto.GetAsync(Output, key);

    private async Task<bool> ExistsAsync(string key) => (await _moto.KeysAsync(Output, key)).Contains(key);

    private async Task<JsonElement> ReportAsync(string key)
    {
        var (bytes, response) = await GetAsync(key + ObjectKeys.ErrorSuffix);
        Assert.Equal("application/json", response.Headers.ContentType);
        return JsonDocument.Parse(bytes).RootElement;
    }

    private async Task<string> OutputETagAsync(string key) => (await _s3.GetObjectMetadataAsync(Output, key)).ETag.Trim('"');

    /// <summary>
    /// Replaces the result of <paramref name="key"/> by other bytes carrying the same metadata:
    /// to the job still its finished result, but one a conversion would overwrite. Returns its ETag.
    /// </summary>
    private async Task<string> MarkResultAsync(string key)
    {
        var (bytes, response) = await GetAsync(key);
        var marked = new PutObjectRequest { BucketName = Output, Key = key, InputStream = new MemoryStream([.. bytes, 0xFF, 0xD9]), ContentType = response.Headers.ContentType };
        foreach (var name in response.Metadata.Keys)
            marked.Metadata[name] = response.Metadata[name];
        return (await _s3.PutObjectAsync(marked)).ETag.Trim('"');
    }

    /// <summary>The log's records with message <paramref name="message"/>.</summary>
    private static List<JsonElement> LogRecords(MemoryStream log, string message) =>
        [.. System.Text.Encoding.UTF8.GetString(log.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(r => r.GetProperty("msg").GetString() == message)];

    [Fact]
    public async Task A_batch_yields_gray_outputs_error_reports_and_no_failures()
    {
        var photo = $"{_prefix}photo one.jpg";
        var notes = $"{_prefix}notes.txt";
        var photoETag = await PutAsync(photo, TestImages.Jpeg(160, 120));
        var notesETag = await PutAsync(notes, "hello"u8.ToArray());

        var failures = await FailuresAsync(Function(), SqsEvent(
            ("m1", Notification(Input, photo, photoETag)),
            ("m2", Notification(Input, notes, notesETag)),
            ("m3", """{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"pipeline-input"}""")));

        Assert.Empty(failures);
        var (bytes, response) = await GetAsync(photo);
        Assert.Equal("image/jpeg", response.Headers.ContentType);
        Assert.Equal(photoETag, response.Metadata[ObjectKeys.SourceETagMetadata]);
        using (var gray = PixelAssert.IsGray(bytes))
            Assert.Equal(new Size(160, 120), gray.Size());
        var report = await ReportAsync(notes);
        Assert.Equal("unsupported_media_type", report.GetProperty("code").GetString());
        Assert.Equal(notesETag, report.GetProperty("sourceETag").GetString());
        Assert.Equal(notes, report.GetProperty("sourceKey").GetString());
        Assert.False(await ExistsAsync(notes));
    }

    [Fact]
    public async Task Each_object_is_counted_in_embedded_metrics()
    {
        var photo = $"{_prefix}counted.jpg";
        var notes = $"{_prefix}counted.txt";
        var photoETag = await PutAsync(photo, TestImages.Jpeg(200, 100));
        var notesETag = await PutAsync(notes, "hello"u8.ToArray());
        var log = new MemoryStream();
        var function = Function(metrics: new EmbeddedMetrics(new JsonLog(log), "worker"));

        await FailuresAsync(function, SqsEvent(("m1", Notification(Input, photo, photoETag)), ("m2", Notification(Input, notes, notesETag)), ("m3", Notification(Input, photo, photoETag))));

        var records = MetricRecords.Parse(log.ToArray());
        Assert.All(records, r => Assert.Equal("worker", r.DimensionValues["Function"]));
        var converted = Assert.Single(records, r => r.Values.ContainsKey("ImagesConverted"));
        Assert.Equal(1, converted.Values["ImagesConverted"]);
        Assert.Equal(0.02, converted.Values["MegapixelsIn"]);
        Assert.True(converted.Values["BytesIn"] > 0 && converted.Values["BytesOut"] > 0);
        Assert.Equal("Bytes", converted.Units["BytesIn"]);
        Assert.Equal("Milliseconds", converted.Units["EndToEndMs"]);
        var failed = Assert.Single(records, r => r.Values.ContainsKey("ImagesFailed"));
        Assert.Equal("unsupported_media_type", failed.DimensionValues["Code"]);
        Assert.Equal(1, Assert.Single(records, r => r.Values.ContainsKey("DuplicatesSkipped")).Values["DuplicatesSkipped"]);
        Assert.Equal(3, Assert.Single(records, r => r.Values.ContainsKey("BatchSize")).Values["BatchSize"]);
    }

    [Fact]
    public async Task A_repeated_delivery_of_the_same_version_does_no_work()
    {
        var key = $"{_prefix}again.png";
        var etag = await PutAsync(key, TestImages.Png(64, 48));
        var function = Function();
        Assert.Empty(await FailuresAsync(function, SqsEvent(("a", Notification(Input, key, etag)))));
        var marked = await MarkResultAsync(key);

        Assert.Empty(await FailuresAsync(function, SqsEvent(("b", Notification(Input, key, etag)), ("c", Notification(Input, key, etag)))));

        Assert.Equal(marked, await OutputETagAsync(key)); // not converted and written again
    }

    [Fact]
    public async Task A_fixed_upload_replaces_its_error_report_and_a_broken_one_replaces_its_result()
    {
        var key = $"{_prefix}flip.jpg";
        var function = Function();
        var jpeg = TestImages.Jpeg(64, 48);

        var brokenETag = await PutAsync(key, jpeg[..(jpeg.Length / 2)]);
        Assert.Empty(await FailuresAsync(function, SqsEvent(("1", Notification(Input, key, brokenETag)))));
        Assert.Equal("corrupt_image", (await ReportAsync(key)).GetProperty("code").GetString());

        var goodETag = await PutAsync(key, jpeg);
        Assert.Empty(await FailuresAsync(function, SqsEvent(("2", Notification(Input, key, goodETag)))));
        Assert.True(await ExistsAsync(key));
        Assert.False(await ExistsAsync(key + ObjectKeys.ErrorSuffix));

        var textETag = await PutAsync(key, "now text"u8.ToArray());
        Assert.Empty(await FailuresAsync(function, SqsEvent(("3", Notification(Input, key, textETag)))));
        Assert.False(await ExistsAsync(key));
        Assert.Equal("unsupported_media_type", (await ReportAsync(key)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Oversized_objects_and_pixel_bombs_are_reported_not_retried()
    {
        var big = $"{_prefix}big.jpg";
        var wide = $"{_prefix}wide.jpg";
        var bigETag = await PutAsync(big, TestImages.Jpeg(400, 300));
        var wideETag = await PutAsync(wide, TestImages.Jpeg(400, 300));
        var function = Function(maxObjectBytes: 1000, maxPixels: 50_000);

        var failures = await FailuresAsync(function, SqsEvent(("big", Notification(Input, big, bigETag)), ("wide", Notification(Input, wide, wideETag))));

        Assert.Empty(failures);
        Assert.Equal("payload_too_large", (await ReportAsync(big)).GetProperty("code").GetString());
        Assert.Equal("payload_too_large", (await ReportAsync(wide)).GetProperty("code").GetString()); // also over 1000 bytes
        var pixels = Function(maxPixels: 50_000);
        var bomb = $"{_prefix}bomb.jpg";
        Assert.Empty(await FailuresAsync(pixels, SqsEvent(("bomb", Notification(Input, bomb, await PutAsync(bomb, TestImages.Jpeg(400, 300)))))));
        Assert.Equal("too_many_pixels", (await ReportAsync(bomb)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_image_that_would_need_more_memory_than_the_worker_has_is_reported_not_attempted()
    {
        var key = $"{_prefix}too big to hold.png";
        var png = TestImages.Png(1000, 1000);
        var need = Budget(png, quality: null).MemoryBytes; // ~5 MB to decode in colour and convert, and the converter's room
        var etag = await PutAsync(key, png);

        var failures = await FailuresAsync(Function(decodeBudgetBytes: need - 1), SqsEvent(("big", Notification(Input, key, etag))));

        Assert.Empty(failures);
        var report = await ReportAsync(key);
        Assert.Equal("too_many_pixels", report.GetProperty("code").GetString());
        Assert.Contains($"needs about {need / 1_000_000} MB", report.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(await ExistsAsync(key));
    }

    [Fact]
    public async Task A_jpeg_whose_lossless_turn_would_not_fit_is_decoded_and_encoded_again_instead()
    {
        // Turned 90° by its EXIF tag: copying the coefficients needs ~6 B/px, re-encoding ~4.
        var key = $"{_prefix}turned.jpg";
        var jpeg = TestImages.ExifOrientedJpeg(1024, 768, orientation: 6);
        long lossless = Budget(jpeg, quality: null).MemoryBytes, reencoded = Budget(jpeg, GrayscaleConverter.DefaultQuality).MemoryBytes;
        Assert.True(reencoded < lossless, $"{reencoded} / {lossless}");
        var etag = await PutAsync(key, jpeg);

        Assert.Empty(await FailuresAsync(Function(decodeBudgetBytes: (reencoded + lossless) / 2), SqsEvent(("turned", Notification(Input, key, etag)))));

        var (bytes, _) = await GetAsync(key);
        using var gray = PixelAssert.IsGray(bytes);
        Assert.Equal(new Size(768, 1024), gray.Size()); // turned upright
    }

    /// <summary>What the worker prices converting <paramref name="image"/> at, in its own format.</summary>
    private static ConversionBudget Budget(byte[] image, int? quality)
    {
        var info = ImageInspector.Inspect(image);
        return DecodeCost.Budget(new ConversionRequest(image, info, info.Format, quality), new WorkerOptions { Storage = new() { InputBucket = "in", OutputBucket = "out" }, DecodeBudgetBytes = 1L << 30 }.CpuSecondsPerImage);
    }

    [Fact]
    public void The_decode_budget_leaves_room_for_the_inputs_in_flight_and_refuses_to_start_without_any()
    {
        static string? Lambda(string name, int memoryMegabytes, int concurrency) => name switch
        {
            "PIPELINE_INPUT_BUCKET" => "in",
            "PIPELINE_OUTPUT_BUCKET" => "out",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" => memoryMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "PIPELINE_WORKER_CONCURRENCY" => concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };

        var deployed = WorkerOptions.FromEnvironment(name => Lambda(name, 1024, 4));
        Assert.Equal(1024L * 1024 * 1024 * 6 / 10 - 4 * 50L * 1024 * 1024, deployed.DecodeBudgetBytes);

        var error = Assert.Throws<InvalidOperationException>(() => WorkerOptions.FromEnvironment(name => Lambda(name, 512, 8)));
        Assert.Contains("PIPELINE_WORKER_CONCURRENCY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_that_cannot_succeed_are_reported_for_retry_and_the_dead_letter_queue()
    {
        var good = $"{_prefix}good.jpg";
        var goodETag = await PutAsync(good, TestImages.Jpeg(64, 48));

        var failures = await FailuresAsync(Function(), SqsEvent(
            ("good", Notification(Input, good, goodETag)),
            ("garbage", "this is not JSON"),
            ("foreign", Notification("some-other-bucket", "x.jpg", "abc"))));

        Assert.Equal(["foreign", "garbage"], failures.Order(StringComparer.Ordinal));
        Assert.True(await ExistsAsync(good));
    }

    [Fact]
    public async Task An_object_deleted_before_its_event_is_handled_is_not_an_error()
    {
        var key = $"{_prefix}gone.jpg";
        var etag = await PutAsync(key, TestImages.Jpeg(64, 48));
        await _s3.DeleteObjectAsync(Input, key);

        Assert.Empty(await FailuresAsync(Function(), SqsEvent(("gone", Notification(Input, key, etag)))));
        Assert.False(await ExistsAsync(key));
        Assert.False(await ExistsAsync(key + ObjectKeys.ErrorSuffix));
    }

    [Fact]
    public async Task Work_that_would_outlive_the_deadline_is_handed_back()
    {
        var key = $"{_prefix}late.jpg";
        var etag = await PutAsync(key, TestImages.Jpeg(64, 48));

        var failures = await FailuresAsync(Function(), SqsEvent(("late", Notification(Input, key, etag))), timeLeft: TimeSpan.FromSeconds(1));

        Assert.Equal(["late"], failures);
        Assert.False(await ExistsAsync(key));
    }

    [Fact]
    public async Task An_event_that_is_not_an_sqs_batch_fails_the_invocation()
    {
        // The worker is fed by the queue's event source mapping only; an S3 notification sent
        // straight to it is a wiring mistake, reported as the invocation's error.
        var key = $"{_prefix}direct shot.webp";
        var direct = Encoding.UTF8.GetBytes(Notification(Input, key, await PutAsync(key, TestImages.WebP(80, 60))));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Function().HandleAsync(new Invocation("d1", DateTimeOffset.UtcNow.AddMinutes(1), null, direct), CancellationToken.None));

        Assert.Contains("SQS", error.Message, StringComparison.Ordinal);
        Assert.False(await ExistsAsync(key));
    }

    [Fact]
    public async Task A_folder_marker_is_not_an_image_and_gets_no_report()
    {
        var key = $"{_prefix}holiday/";
        var etag = await PutAsync(key, []);

        Assert.Empty(await FailuresAsync(Function(), SqsEvent(("folder", Notification(Input, key, etag)))));

        Assert.False(await ExistsAsync(key));
        Assert.False(await ExistsAsync(key + ObjectKeys.ErrorSuffix));
    }

    [Fact]
    public async Task A_repeated_delivery_removes_a_sibling_an_earlier_attempt_failed_to_delete()
    {
        var key = $"{_prefix}left-over.jpg";
        var etag = await PutAsync(key, TestImages.Jpeg(64, 48));
        var function = Function();
        Assert.Empty(await FailuresAsync(function, SqsEvent(("1", Notification(Input, key, etag)))));
        // The previous version's report, as if the delete after the write had failed.
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Output,
            Key = key + ObjectKeys.ErrorSuffix,
            ContentBody = """{"code":"corrupt_image","message":"older version"}""",
            Metadata = { [ObjectKeys.SourceKeyMetadata] = ObjectKeys.SourceStamp(key), [ObjectKeys.SourceETagMetadata] = "an-older-etag" },
        });

        Assert.Empty(await FailuresAsync(function, SqsEvent(("2", Notification(Input, key, etag)))));

        Assert.True(await ExistsAsync(key));
        Assert.False(await ExistsAsync(key + ObjectKeys.ErrorSuffix));
    }

    [Fact]
    public async Task A_failure_on_the_last_receive_leaves_a_report_that_a_redrive_replaces()
    {
        var key = $"{_prefix}unlucky.jpg";
        var etag = await PutAsync(key, TestImages.Jpeg(64, 48));

        // Out of time on the last receive the queue allows: the message goes to the dead-letter queue...
        var failures = await FailuresAsync(Function(), SqsEvent(LastReceive, ("last", Notification(Input, key, etag))), timeLeft: TimeSpan.FromSeconds(1));

        Assert.Equal(["last"], failures);
        var report = await ReportAsync(key);
        Assert.Equal("unavailable", report.GetProperty("code").GetString());
        Assert.Contains("dead-letter queue", report.GetProperty("message").GetString(), StringComparison.Ordinal);

        // ...and when it is redriven, the result replaces the report.
        Assert.Empty(await FailuresAsync(Function(), SqsEvent(LastReceive + 1, ("redriven", Notification(Input, key, etag)))));
        Assert.True(await ExistsAsync(key));
        Assert.False(await ExistsAsync(key + ObjectKeys.ErrorSuffix));
    }

    [Fact]
    public async Task A_give_up_report_never_costs_the_answer_its_deadline()
    {
        // Storage that accepts connections and never answers: every call hangs until cancelled.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<System.Net.Sockets.TcpClient>();
        var accepting = Task.Run(async () =>
        {
            while (true)
                held.Add(await silent.AcceptTcpClientAsync());
        });
        var options = new WorkerOptions { Storage = new StorageOptions { InputBucket = Input, OutputBucket = Output }, MaxConcurrency = 4, DecodeBudgetBytes = 1L << 30 };
        var aws = AwsEnvironment.FromEnvironment(name => name == "AWS_ENDPOINT_URL" ? $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}" : _moto.Environment.GetValueOrDefault(name));
        var store = new JobStore(aws.CreateS3Client(maxAttempts: 1), options.Storage, aws.UsesHttp, TimeProvider.System);
        var log = new MemoryStream();
        var function = new WorkerFunction(store, Converters.Create(options.Imaging), options, new JsonLog(log), TimeProvider.System);
        var timeLeft = TimeSpan.FromSeconds(3);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var failures = await FailuresAsync(function, SqsEvent(LastReceive, ("stuck", Notification(Input, $"{_prefix}stuck.jpg", "abc"))), timeLeft);

        // The work gave up 2 s before the deadline; the report was attempted with what was left,
        // less the answer's reserve, and given up on when storage still did not answer.
        Assert.Equal(["stuck"], failures);
        Assert.True(clock.Elapsed < timeLeft, $"answered after {clock.Elapsed.TotalSeconds:0.00} s of {timeLeft.TotalSeconds} s");
        var attempted = Assert.Single(LogRecords(log, "could not report the failure"));
        Assert.Equal($"{_prefix}stuck.jpg", attempted.GetProperty("key").GetString());
        Assert.Empty(LogRecords(log, "no time left to report the failure"));
        silent.Stop();
        foreach (var client in held)
            client.Dispose();
    }

    [Fact]
    public async Task A_conversion_still_running_when_the_work_must_stop_is_killed_and_its_message_handed_back_before_the_deadline()
    {
        // A 50 MP PNG takes 0.8-0.9 s to convert here on an idle machine (more under load); the
        // work stops 2 s before the deadline, so 0.3 s of work is left to it.
        var key = $"{_prefix}slow.png";
        var etag = await PutAsync(key, TestImages.Bands(7071, MatType.CV_8UC3, ".png"));
        var timeLeft = TimeSpan.FromSeconds(2.3);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var failures = await FailuresAsync(Function(), SqsEvent(("slow", Notification(Input, key, etag))), timeLeft);

        // Answered when the work had to stop, not when the decoder would have returned.
        Assert.Equal(["slow"], failures);
        Assert.True(clock.Elapsed < timeLeft, $"answered after {clock.Elapsed.TotalSeconds:0.00} s of {timeLeft.TotalSeconds} s");
        Assert.False(await ExistsAsync(key));
        Assert.False(await ExistsAsync(ObjectKeys.Error(key)));
    }

    [Fact]
    public async Task A_failure_before_the_last_receive_leaves_no_report()
    {
        var key = $"{_prefix}retry-later.jpg";
        var etag = await PutAsync(key, TestImages.Jpeg(64, 48));

        var failures = await FailuresAsync(Function(), SqsEvent(LastReceive - 1, ("second", Notification(Input, key, etag))), timeLeft: TimeSpan.FromSeconds(1));

        Assert.Equal(["second"], failures);
        Assert.False(await ExistsAsync(key + ObjectKeys.ErrorSuffix));
    }

    private static byte[] BatchEvent(params (string TaskId, string Bucket, string Key)[] tasks) => JsonSerializer.SerializeToUtf8Bytes(new S3BatchJobEvent
    {
        InvocationSchemaVersion = "2.0",
        InvocationId = "invocation-1",
        Job = new S3BatchJobEvent.BatchJob { Id = "job-1" },
        Tasks = tasks.Select(t => new S3BatchJobEvent.BatchTask { TaskId = t.TaskId, S3Bucket = t.Bucket, S3Key = WebUtility.UrlEncode(t.Key) }).ToList(),
    }, WorkerJsonContext.Default.S3BatchJobEvent);

    private static async Task<S3BatchJobResponse> BatchAsync(WorkerFunction function, byte[] payload)
    {
        var invocation = new Invocation("req-batch", DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), null, payload);
        var response = await function.HandleAsync(invocation, CancellationToken.None);
        return JsonSerializer.Deserialize(response.Span, WorkerJsonContext.Default.S3BatchJobResponse)!;
    }

    [Fact]
    public async Task A_batch_operations_task_converts_its_object_once_and_answers_succeeded()
    {
        var key = $"{_prefix}batch/a b+c%d ü.jpg";
        await PutAsync(key, TestImages.Jpeg(120, 90));
        var function = Function();

        var answer = await BatchAsync(function, BatchEvent(("t1", Input, key)));

        Assert.Equal(("2.0", "invocation-1", "PermanentFailure"), (answer.InvocationSchemaVersion, answer.InvocationId, answer.TreatMissingKeysAs));
        var result = Assert.Single(answer.Results);
        Assert.Equal(("t1", "Succeeded", "Converted."), (result.TaskId, result.ResultCode, result.ResultString));
        using (var gray = PixelAssert.IsGray((await GetAsync(key)).Bytes))
            Assert.Equal(new Size(120, 90), gray.Size());
        var marked = await MarkResultAsync(key);

        var again = Assert.Single((await BatchAsync(function, BatchEvent(("t2", Input, key)))).Results);

        Assert.Equal(("Succeeded", "Already converted from this version."), (again.ResultCode, again.ResultString));
        Assert.Equal(marked, await OutputETagAsync(key)); // not converted and written again
    }

    [Fact]
    public async Task Batch_operations_tasks_that_cannot_succeed_answer_permanent_failure_with_the_reason()
    {
        var broken = $"{_prefix}batch/broken.jpg";
        await PutAsync(broken, TestImages.Jpeg(100, 100)[..400]);

        var answer = await BatchAsync(Function(), BatchEvent(
            ("rejected", Input, broken),
            ("missing", Input, $"{_prefix}batch/never uploaded.jpg"),
            ("elsewhere", "some-other-bucket", $"{_prefix}batch/x.jpg")));

        var results = answer.Results.ToDictionary(r => r.TaskId!);
        Assert.All(results.Values, r => Assert.Equal("PermanentFailure", r.ResultCode));
        Assert.StartsWith("corrupt_image: ", results["rejected"].ResultString, StringComparison.Ordinal);
        Assert.Equal("corrupt_image", (await ReportAsync(broken)).GetProperty("code").GetString());
        Assert.Equal("The object does not exist.", results["missing"].ResultString);
        Assert.Contains("some-other-bucket", results["elsewhere"].ResultString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_operations_task_answers_temporary_failure_when_storage_is_unreachable()
    {
        var key = $"{_prefix}batch/unreachable.jpg";
        await PutAsync(key, TestImages.Jpeg(40, 30));

        var answer = await BatchAsync(Function(endpoint: $"http://127.0.0.1:{Tools.FreePort()}"), BatchEvent(("t", Input, key)));

        var result = Assert.Single(answer.Results);
        Assert.Equal("TemporaryFailure", result.ResultCode);
        Assert.Contains("retries the task", result.ResultString, StringComparison.Ordinal);
        Assert.False(await ExistsAsync(key));
    }

    /// <summary>An S3 notification as SNS delivers it to a subscribed queue without raw delivery (S3 → SNS → SQS).</summary>
    private static string ThroughSns(string notification) => JsonSerializer.Serialize(new SnsNotification
    {
        Type = "Notification",
        MessageId = Guid.NewGuid().ToString(),
        TopicArn = "arn:aws:sns:us-east-1:123456789012:pipeline-uploads",
        Subject = "Amazon S3 Notification",
        Message = notification,
        Timestamp = "2026-12-08T10:00:00.000Z",
        SignatureVersion = "1",
    }, WorkerJsonContext.Default.SnsNotification);

    /// <summary>An EventBridge Object Created event, as a rule's SQS target receives it (the key as it is).</summary>
    private static string ThroughEventBridge(string bucket, string key, string? etag, string detailType = "Object Created") => JsonSerializer.Serialize(new EventBridgeS3Event
    {
        Version = "0",
        Id = Guid.NewGuid().ToString(),
        DetailType = detailType,
        Source = "aws.s3",
        Account = "123456789012",
        Time = "2026-12-08T10:00:00Z",
        Region = "us-east-1",
        Resources = ["arn:aws:s3:::" + bucket],
        Detail = new EventBridgeS3Event.EventDetail
        {
            Version = "0",
            Bucket = new EventBridgeS3Event.BucketDetail { Name = bucket },
            Object = new EventBridgeS3Event.ObjectDetail { Key = key, Size = 1, ETag = etag },
            Reason = "PutObject",
        },
    }, WorkerJsonContext.Default.EventBridgeS3Event);

    [Fact]
    public async Task Uploads_announced_through_sns_or_eventbridge_are_converted_like_any_other()
    {
        var viaSns = $"{_prefix}via sns/a+b ü.jpg";
        var viaEventBridge = $"{_prefix}via eventbridge/a+b ü%20.png";
        var snsETag = await PutAsync(viaSns, TestImages.Jpeg(64, 48));
        var eventBridgeETag = await PutAsync(viaEventBridge, TestImages.Png(40, 30));

        var failures = await FailuresAsync(Function(), SqsEvent(
            ("sns", ThroughSns(Notification(Input, viaSns, snsETag))),
            ("eventbridge", ThroughEventBridge(Input, viaEventBridge, eventBridgeETag)),
            ("sns-test", ThroughSns("""{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"pipeline-input"}"""))));

        Assert.Empty(failures);
        using (var gray = PixelAssert.IsGray((await GetAsync(viaSns)).Bytes))
            Assert.Equal(new Size(64, 48), gray.Size());
        using (var gray = PixelAssert.IsGray((await GetAsync(viaEventBridge)).Bytes))
            Assert.Equal(new Size(40, 30), gray.Size());
        Assert.Equal(eventBridgeETag, (await _s3.GetObjectMetadataAsync(Output, viaEventBridge)).Metadata[ObjectKeys.SourceETagMetadata]);
    }

    [Fact]
    public async Task Messages_that_name_no_object_of_the_input_bucket_fail_with_a_log_line_and_touch_nothing()
    {
        var key = $"{_prefix}real.jpg";
        var etag = await PutAsync(key, TestImages.Jpeg(32, 32));
        var notification = Notification(Input, key, etag);
        var log = new MemoryStream();
        (string Id, string Body)[] refused =
        [
            ("foo", """{"foo":1}"""),
            ("null-records", """{"Records":null}"""),
            ("junk-record", """{"Records":[{"foo":1}]}"""),
            ("removed", notification.Replace("ObjectCreated:Put", "ObjectRemoved:Delete", StringComparison.Ordinal)),
            ("foreign", Notification("some-other-bucket", key, etag)),
            ("no-version", notification.Replace($",\"eTag\":\"{etag}\"", "", StringComparison.Ordinal)),
            ("sns-foreign", ThroughSns(Notification("some-other-bucket", key, etag))),
            ("eventbridge-deleted", ThroughEventBridge(Input, key, null, detailType: "Object Deleted")),
            ("eventbridge-foreign", ThroughEventBridge("some-other-bucket", key, etag)),
            ("eventbridge-no-version", ThroughEventBridge(Input, key, null)),
        ];

        var failures = await FailuresAsync(Function(log: new JsonLog(log)), SqsEvent(LastReceive, refused));

        Assert.Equal(refused.Select(m => m.Id).Order(StringComparer.Ordinal), failures.Order(StringComparer.Ordinal));
        Assert.Equal(refused.Select(m => m.Id).Order(StringComparer.Ordinal),
            LogRecords(log, "message refused").Select(r => r.GetProperty("messageId").GetString()!).Order(StringComparer.Ordinal));
        Assert.Empty(await _moto.KeysAsync(Output, _prefix)); // no result, and no report even on the last receive
    }

    [Fact]
    public async Task A_forged_message_on_its_last_receive_leaves_a_finished_result_alone()
    {
        var key = $"{_prefix}finished.jpg";
        var etag = await PutAsync(key, TestImages.Jpeg(64, 48));
        Assert.Empty(await FailuresAsync(Function(), SqsEvent(("real", Notification(Input, key, etag)))));
        var resultETag = await OutputETagAsync(key);
        var versionless = Notification(Input, key, etag).Replace($",\"eTag\":\"{etag}\"", "", StringComparison.Ordinal);

        var failures = await FailuresAsync(Function(), SqsEvent(LastReceive,
            ("other-bucket", Notification("some-other-bucket", key, "forged")),
            ("other-bucket-no-version", versionless.Replace(Input, "some-other-bucket", StringComparison.Ordinal)),
            ("no-version", versionless)));

        Assert.Equal(["no-version", "other-bucket", "other-bucket-no-version"], failures.Order(StringComparer.Ordinal));
        Assert.Equal(resultETag, await OutputETagAsync(key));
        Assert.False(await ExistsAsync(key + ObjectKeys.ErrorSuffix));
    }

    [Fact]
    public async Task Files_in_the_output_bucket_the_pipeline_did_not_write_are_never_replaced_or_deleted()
    {
        // An operator's Batch Operations manifest, and a text file uploaded under the same name.
        var manifest = $"{_prefix}batch-operations/manifest.csv";
        var manifestETag = await _moto.PutAsync(Output, manifest, "pipeline-input,old%2Fa.jpg\n"u8.ToArray());
        // A photo whose result key and report key both hold files of someone else's.
        var photo = $"{_prefix}both taken.jpg";
        var taken = (await _moto.PutAsync(Output, photo, "one"u8.ToArray()), await _moto.PutAsync(Output, photo + ObjectKeys.ErrorSuffix, "two"u8.ToArray()));
        var log = new MemoryStream();

        var failures = await FailuresAsync(Function(log: new JsonLog(log)), SqsEvent(
            ("manifest", Notification(Input, manifest, await PutAsync(manifest, "not an image"u8.ToArray()))),
            ("photo", Notification(Input, photo, await PutAsync(photo, TestImages.Jpeg(32, 32))))));

        Assert.Equal(manifestETag, await OutputETagAsync(manifest));
        Assert.Equal("unsupported_media_type", (await ReportAsync(manifest)).GetProperty("code").GetString());
        // Nowhere to say so: the message fails (and reaches the dead-letter queue), logged as blocked.
        Assert.Equal(["photo"], failures);
        Assert.Equal(taken, (await OutputETagAsync(photo), await OutputETagAsync(photo + ObjectKeys.ErrorSuffix)));
        Assert.Contains(LogRecords(log, "object"), r => r.GetProperty("outcome").GetString() == "Blocked" && r.GetProperty("level").GetString() == "error");
    }
}
