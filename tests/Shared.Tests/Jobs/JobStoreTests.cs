using System.Text.Json;
using Amazon.S3.Model;
using OpenCvSharp;
using Pipeline.Aws;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Jobs;

namespace Pipeline.Tests.Jobs;

/// <summary>
/// The job store under at-least-once, unordered delivery and hostile key names: every input
/// ends with its own result or report, and nothing is written, replaced or deleted for an input
/// it does not belong to.
/// </summary>
public sealed class JobStoreTests : IClassFixture<MotoFixture>
{
    private readonly MotoServer _moto;
    private readonly JobStore _store;
    private readonly GrayscaleConverter _converter = new(DefaultLimits.Imaging);
    private readonly string _prefix = $"store-{Guid.NewGuid():N}/";

    public JobStoreTests(MotoFixture fixture)
    {
        _moto = fixture.Server;
        OpenCvRuntime.Initialize(DefaultLimits.Imaging);
        var aws = AwsEnvironment.FromEnvironment(name => _moto.Environment.GetValueOrDefault(name));
        _store = new JobStore(aws.CreateS3Client(), new StorageOptions { InputBucket = _moto.InputBucket, OutputBucket = _moto.OutputBucket }, aws.UsesHttp, TimeProvider.System);
    }

    private async Task<SourceObject> PutAsync(string key, byte[] body) =>
        new(_moto.InputBucket, key, await _moto.PutAsync(_moto.InputBucket, key, body), body.Length);

    /// <summary>One delivery, as the worker runs it: open, then complete with the gray image or reject with the converter's verdict.</summary>
    private async Task<JobOutcome> DeliverAsync(SourceObject source)
    {
        var opened = await _store.OpenAsync(source, CancellationToken.None);
        return opened.IsOver ? opened.Outcome.Outcome : (await FinishAsync(opened.Attempt)).Outcome;
    }

    private async Task<JobDelivery> FinishAsync(JobAttempt attempt)
    {
        ConvertedImage? image = null;
        var refused = Record.Exception(() => image = _converter.Convert(attempt.Bytes));
        return refused is null
            ? await _store.CompleteAsync(attempt, new StoredImage(image!.Bytes, image.Format.MediaType()), CancellationToken.None)
            : await _store.RejectAsync(attempt, Assert.IsType<PipelineException>(refused), CancellationToken.None);
    }

    private Task<(byte[] Bytes, GetObjectResponse Response)> OutputAsync(string key) => _moto.GetAsync(_moto.OutputBucket, key);

    /// <summary>An object in the output bucket that the pipeline did not write (no source-key metadata); its ETag.</summary>
    private async Task<string> PutForeignAsync(string key, string body) => await _moto.PutAsync(_moto.OutputBucket, key, System.Text.Encoding.UTF8.GetBytes(body));

    private async Task<Size> ResultSizeAsync(string key)
    {
        var (bytes, _) = await _moto.GetAsync(_moto.OutputBucket, key);
        using var gray = PixelAssert.IsGray(bytes);
        return gray.Size();
    }

    [Fact]
    public async Task An_input_named_like_a_report_neither_deletes_that_report_nor_passes_for_its_result()
    {
        // A broken x.jpg gets its report; then an input named exactly like that report arrives.
        var jpeg = TestImages.Jpeg(64, 48);
        var x = await PutAsync(_prefix + "col/x.jpg", jpeg[..(jpeg.Length / 2)]);
        Assert.Equal(JobOutcome.Rejected, await DeliverAsync(x));
        var impostor = await PutAsync(_prefix + "col/x.jpg.error.json", jpeg);

        Assert.Equal(JobOutcome.Rejected, await DeliverAsync(impostor));

        var xJob = await _store.ReadAsync(x.Key, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, xJob.Status);
        Assert.Equal("corrupt_image", xJob.Error!.Code);
        var impostorJob = await _store.ReadAsync(impostor.Key, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, impostorJob.Status);
        Assert.Equal("invalid_request", impostorJob.Error!.Code);
        Assert.Contains("reserved", impostorJob.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_first_uploaded_under_a_report_name_still_gets_its_own_output()
    {
        var photo = TestImages.Jpeg(80, 60);
        var first = await PutAsync(_prefix + "col/y.jpg.error.json", photo);
        await DeliverAsync(first);
        var real = await PutAsync(_prefix + "col/y.jpg", photo); // same bytes: same ETag

        Assert.Equal(JobOutcome.Converted, await DeliverAsync(real));

        Assert.Equal(JobStatus.Done, (await _store.ReadAsync(real.Key, CancellationToken.None)).Status);
        Assert.Equal(new Size(80, 60), await ResultSizeAsync(real.Key));
    }

    [Fact]
    public async Task A_late_delivery_of_an_older_version_does_not_replace_the_newer_result()
    {
        var key = _prefix + "twice.jpg";
        var older = await PutAsync(key, TestImages.Jpeg(64, 48));
        var newer = await PutAsync(key, TestImages.Jpeg(96, 32));

        Assert.Equal(JobOutcome.Converted, await DeliverAsync(newer));
        Assert.Equal(JobOutcome.Superseded, await DeliverAsync(older));

        Assert.Equal(new Size(96, 32), await ResultSizeAsync(key));
        Assert.Equal(newer.ETag, (await _store.ReadAsync(key, CancellationToken.None)).SourceETag);
    }

    [Fact]
    public async Task A_newer_version_finished_while_an_older_one_converts_is_not_overwritten()
    {
        var key = _prefix + "race.jpg";
        var older = await PutAsync(key, TestImages.Jpeg(64, 48));
        var attempt = (await _store.OpenAsync(older, CancellationToken.None)).Attempt!;

        // While the older version is being converted, the object is overwritten and the newer
        // version's delivery runs to the end: the older result then arrives last.
        var newer = await PutAsync(key, TestImages.Jpeg(96, 32));
        Assert.Equal(JobOutcome.Converted, await DeliverAsync(newer));
        var outcome = await FinishAsync(attempt);

        Assert.Equal(JobOutcome.Superseded, outcome.Outcome);
        Assert.Equal(new Size(96, 32), await ResultSizeAsync(key));
        Assert.Equal(newer.ETag, (await _store.ReadAsync(key, CancellationToken.None)).SourceETag);
    }

    [Fact]
    public async Task An_input_key_too_long_for_a_report_beside_it_still_gets_a_report()
    {
        // 1,018 bytes: "<key>.error.json" would pass S3's 1,024-byte limit.
        var key = _prefix + new string('k', 1018 - _prefix.Length - 4) + ".jpg";
        Assert.Equal(1018, System.Text.Encoding.UTF8.GetByteCount(key));
        var source = await PutAsync(key, "not an image"u8.ToArray());

        Assert.Equal(JobOutcome.Rejected, await DeliverAsync(source));

        var job = await _store.ReadAsync(key, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("unsupported_media_type", job.Error!.Code);
        var reportKey = ObjectKeys.Error(key);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(reportKey) <= 1024);
        var (bytes, _) = await _moto.GetAsync(_moto.OutputBucket, reportKey);
        Assert.Equal(key, JsonDocument.Parse(bytes).RootElement.GetProperty("sourceKey").GetString());
    }

    [Fact]
    public async Task Outputs_record_the_input_they_belong_to()
    {
        var source = await PutAsync(_prefix + "stamped café.jpg", TestImages.Jpeg(32, 32));
        await DeliverAsync(source);

        var head = await _moto.S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _moto.OutputBucket, Key = source.Key });

        Assert.Equal(Uri.EscapeDataString(source.Key), head.Metadata[ObjectKeys.SourceKeyMetadata]);
        Assert.Equal(source.ETag, head.Metadata[ObjectKeys.SourceETagMetadata]);
    }

    [Fact]
    public async Task A_prefix_lists_each_input_with_its_state_against_its_current_version()
    {
        var done = await PutAsync(_prefix + "list/done.jpg", TestImages.Jpeg(32, 32));
        var failed = await PutAsync(_prefix + "list/failed.txt", "text"u8.ToArray());
        await PutAsync(_prefix + "list/pending.jpg", TestImages.Jpeg(32, 32));
        var changed = await PutAsync(_prefix + "list/changed.jpg", TestImages.Jpeg(32, 32));
        foreach (var source in new[] { done, failed, changed })
            await DeliverAsync(source);
        await PutAsync(changed.Key, TestImages.Jpeg(48, 48)); // a new version, not converted yet

        var jobs = (await _store.ListAsync(_prefix + "list/", CancellationToken.None)).ToDictionary(j => j.Key[(_prefix.Length + 5)..], j => j.Status);

        Assert.Equal(new Dictionary<string, JobStatus>
        {
            ["changed.jpg"] = JobStatus.Pending,
            ["done.jpg"] = JobStatus.Done,
            ["failed.txt"] = JobStatus.Failed,
            ["pending.jpg"] = JobStatus.Pending,
        }, jobs);
    }

    [Fact]
    public async Task Two_long_keys_whose_report_keys_used_to_coincide_each_get_their_own_report()
    {
        // A 1,021-byte key's report key is hashed (its natural one would pass 1,024 bytes); a
        // 1,013-byte key spelled like that hashed key's stem once had it as its natural report key.
        var longer = _prefix + new string('l', 1021 - _prefix.Length);
        var shorter = ObjectKeys.Error(longer)[..^ObjectKeys.ErrorSuffix.Length];
        Assert.Equal((1021, 1013), (System.Text.Encoding.UTF8.GetByteCount(longer), System.Text.Encoding.UTF8.GetByteCount(shorter)));
        var sources = new[] { await PutAsync(longer, "not an image"u8.ToArray()), await PutAsync(shorter, "not an image either"u8.ToArray()) };

        foreach (var source in sources)
            Assert.Equal(JobOutcome.Rejected, await DeliverAsync(source));

        Assert.NotEqual(ObjectKeys.Error(longer), ObjectKeys.Error(shorter));
        foreach (var source in sources)
        {
            var (bytes, _) = await OutputAsync(ObjectKeys.Error(source.Key));
            Assert.Equal(source.Key, JsonDocument.Parse(bytes).RootElement.GetProperty("sourceKey").GetString());
            Assert.Equal(JobStatus.Failed, (await _store.ReadAsync(source.Key, CancellationToken.None)).Status);
        }
    }

    [Fact]
    public async Task A_file_the_pipeline_did_not_write_is_never_deleted_by_an_input_of_the_same_name()
    {
        // An operator's Batch Operations manifest in the output bucket, and a text file uploaded under its name.
        var key = _prefix + "batch-operations/manifest.csv";
        var manifestETag = await PutForeignAsync(key, "pipeline-input,old%2Fa.jpg\n");
        var source = await PutAsync(key, "not an image"u8.ToArray());

        Assert.Equal(JobOutcome.Rejected, await DeliverAsync(source));

        var (manifest, response) = await OutputAsync(key);
        Assert.Equal(("pipeline-input,old%2Fa.jpg\n", manifestETag), (System.Text.Encoding.UTF8.GetString(manifest), response.ETag.Trim('"')));
        var job = await _store.ReadAsync(key, CancellationToken.None);
        Assert.Equal((JobStatus.Failed, "unsupported_media_type"), (job.Status, job.Error!.Code));
    }

    [Fact]
    public async Task An_image_whose_result_key_holds_a_foreign_object_leaves_it_and_its_job_says_so_until_it_is_moved()
    {
        var key = _prefix + "taken.jpg";
        var foreignETag = await PutForeignAsync(key, "an operator's file");
        var source = await PutAsync(key, TestImages.Jpeg(48, 32));

        Assert.Equal(JobOutcome.Rejected, await DeliverAsync(source));

        Assert.Equal(foreignETag, (await OutputAsync(key)).Response.ETag.Trim('"'));
        var job = await _store.ReadAsync(key, CancellationToken.None);
        Assert.Equal((JobStatus.Failed, "conflict"), (job.Status, job.Error!.Code));
        Assert.Contains("did not write", job.Error.Message, StringComparison.Ordinal);
        Assert.True(job.FailedTransiently, "no verdict on the input: a redrive may still convert it");

        // Once the object is moved, the same version's next delivery converts it.
        await _moto.S3.DeleteObjectAsync(_moto.OutputBucket, key);
        Assert.Equal(JobOutcome.Converted, await DeliverAsync(source));
        Assert.Equal(new Size(48, 32), await ResultSizeAsync(key));
        Assert.Equal(JobStatus.Done, (await _store.ReadAsync(key, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task With_foreign_objects_at_both_output_keys_nothing_is_written_or_touched()
    {
        var key = _prefix + "both.jpg";
        var resultETag = await PutForeignAsync(key, "one");
        var reportETag = await PutForeignAsync(ObjectKeys.Error(key), "two");
        var source = await PutAsync(key, TestImages.Jpeg(48, 32));

        Assert.Equal(JobOutcome.Blocked, await DeliverAsync(source));
        Assert.Equal(JobOutcome.Blocked, await DeliverAsync(await PutAsync(key, "text"u8.ToArray())));

        Assert.Equal(resultETag, (await OutputAsync(key)).Response.ETag.Trim('"'));
        Assert.Equal(reportETag, (await OutputAsync(ObjectKeys.Error(key))).Response.ETag.Trim('"'));
        Assert.Equal(JobStatus.Pending, (await _store.ReadAsync(key, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Giving_up_deletes_no_result_and_takes_only_the_current_version_of_an_input()
    {
        var key = _prefix + "given-up.jpg";
        var first = await PutAsync(key, TestImages.Jpeg(40, 30));
        Assert.Equal(JobOutcome.Converted, await DeliverAsync(first));
        var resultETag = (await OutputAsync(key)).Response.ETag;

        await Assert.ThrowsAsync<ArgumentException>(() => _store.ReportGivingUpAsync(first with { Bucket = "some-other-bucket", ETag = "forged" }, "forged", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.ReportGivingUpAsync(first with { ETag = null }, "no version", CancellationToken.None));
        Assert.Equal(JobOutcome.AlreadyDone, (await _store.ReportGivingUpAsync(first, "late", CancellationToken.None)).Outcome);
        Assert.Equal(JobOutcome.Superseded, (await _store.ReportGivingUpAsync(first with { ETag = "0123456789abcdef0123456789abcdef" }, "old", CancellationToken.None)).Outcome);
        Assert.DoesNotContain(ObjectKeys.Error(key), await _moto.KeysAsync(_moto.OutputBucket, key));

        // A newer version whose processing kept failing: its report is left, the older result kept.
        var second = await PutAsync(key, TestImages.Jpeg(64, 48));
        Assert.Equal(JobOutcome.Rejected, (await _store.ReportGivingUpAsync(second, "Processing failed 5 times.", CancellationToken.None)).Outcome);

        Assert.Equal(resultETag, (await OutputAsync(key)).Response.ETag);
        var (report, _) = await OutputAsync(ObjectKeys.Error(key));
        Assert.Equal("unavailable", JsonDocument.Parse(report).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_presigned_upload_signs_exactly_its_lifetime()
    {
        // Signing is local: no request reaches storage.
        var upload = await UnreachableStorage.Store().PresignUploadAsync(JobId.New(DateTimeOffset.UtcNow), "image/jpeg", 1000);

        var expires = new Uri(upload.Url).Query.TrimStart('?').Split('&').Single(p => p.StartsWith("X-Amz-Expires=", StringComparison.Ordinal));
        Assert.Equal("X-Amz-Expires=" + (long)UnreachableStorage.Options.UrlExpiry.TotalSeconds, expires);
    }
}
