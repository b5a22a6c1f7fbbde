using System.Text.Json;
using Amazon.S3.Model;
using OpenCvSharp;
using Pipeline.Aws;
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

    private Task<StoredImage> Convert(byte[] bytes, CancellationToken cancellationToken)
    {
        var result = _converter.Convert(bytes);
        return Task.FromResult(new StoredImage(result.Bytes, result.Format.MediaType()));
    }

    private async Task<JobOutcome> DeliverAsync(SourceObject source) => (await _store.ConvertAsync(source, Convert, CancellationToken.None)).Outcome;

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
        SourceObject? newer = null;

        // While the older version is being converted, the object is overwritten and the newer
        // version's delivery runs to the end: the older result then arrives last.
        var outcome = await _store.ConvertAsync(older, async (bytes, token) =>
        {
            newer = await PutAsync(key, TestImages.Jpeg(96, 32));
            Assert.Equal(JobOutcome.Converted, await DeliverAsync(newer));
            return await Convert(bytes, token);
        }, CancellationToken.None);

        Assert.Equal(JobOutcome.Superseded, outcome.Outcome);
        Assert.Equal(new Size(96, 32), await ResultSizeAsync(key));
        Assert.Equal(newer!.ETag, (await _store.ReadAsync(key, CancellationToken.None)).SourceETag);
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
}
