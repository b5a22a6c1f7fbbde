using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Errors;

namespace Pipeline.Jobs;

/// <summary>
/// The one owner of job state. A job is an input object in the input bucket and its outcome in
/// the output bucket: a grayscale result under the same key, or a <c>.error.json</c> report
/// (see <see cref="ObjectKeys"/>). Every output records the input key and version it was written
/// for (metadata <c>source-key</c>, <c>source-etag</c>), and the store writes, replaces, deletes
/// or trusts an output only for that input; an object without that metadata is no job's, and
/// is never replaced or deleted. A delivery is opened (<see cref="OpenAsync"/>), then completed
/// or rejected by the caller, which converts in between. S3 delivers events at least once and in any order,
/// so the rules for repeated and late deliveries live here too: a version already finished is
/// not converted again, the input is read at the version the event names, and an output is
/// replaced only if it is still the one that was read (S3 conditional writes), so a slow
/// delivery of an older version never replaces a newer result.
/// </summary>
public sealed class JobStore
{
    // A conditional write that loses to a concurrent one is re-evaluated this many times.
    private const int WriteAttempts = 4;

    // How far a job id's time may lie in the future (clock skew between functions) and still be believed.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private readonly IAmazonS3 _s3;
    private readonly Protocol _urlProtocol;
    private readonly TimeProvider _clock;

    /// <summary>
    /// Creates the store over <paramref name="s3"/>; presigned URLs use plain http when
    /// <paramref name="httpUrls"/> (a local emulator).
    /// </summary>
    public JobStore(IAmazonS3 s3, StorageOptions storage, bool httpUrls, TimeProvider clock)
    {
        _s3 = s3;
        Storage = storage;
        _urlProtocol = httpUrls ? Protocol.HTTP : Protocol.HTTPS;
        _clock = clock;
    }

    /// <summary>The buckets and limits.</summary>
    public StorageOptions Storage { get; }

    /// <summary>
    /// Where the job of <paramref name="inputKey"/> stands. Storage failures are thrown as
    /// <see cref="ErrorCode.Unavailable"/>.
    /// </summary>
    public Task<JobState> ReadAsync(string inputKey, CancellationToken cancellationToken) =>
        Guarded(() => ReadStateAsync(inputKey, cancellationToken), cancellationToken);

    /// <summary>
    /// The job of presigned upload <paramref name="id"/> as <paramref name="owner"/> sees it
    /// (null: a caller nothing identifies, who sees the jobs created the same way), or null
    /// when there is no such job for them: the id was never issued (its time lies in the future),
    /// was issued to someone else, or its upload window closed without an upload.
    /// </summary>
    public Task<JobState?> ReadUploadAsync(JobId id, string? owner, CancellationToken cancellationToken) => Guarded(async () =>
    {
        var key = ObjectKeys.Upload(id, owner);
        var now = _clock.GetUtcNow();
        if (id.CreatedAt > now + ClockSkew || !id.BelongsTo(owner))
            return null;
        var state = await ReadStateAsync(key, cancellationToken);
        if (state.Status != JobStatus.Pending)
            return state;
        bool windowOpen = now <= id.CreatedAt + Storage.UrlExpiry;
        return windowOpen || await HeadAsync(Storage.InputBucket, key, cancellationToken) is not null ? state : null;
    }, cancellationToken);

    /// <summary>
    /// The job of every input under <paramref name="prefix"/>, in key order, each judged against
    /// the input's current version: an output written for an older version leaves it pending.
    /// </summary>
    public Task<List<JobState>> ListAsync(string prefix, CancellationToken cancellationToken) => Guarded(async () =>
    {
        var inputs = await ListObjectsAsync(Storage.InputBucket, prefix, cancellationToken);
        var outputs = await ListOutputKeysAsync(prefix, cancellationToken);
        var jobs = inputs.Where(o => !o.Key.EndsWith('/'))
            .Select(o => new SourceObject(Storage.InputBucket, o.Key, ObjectKeys.NormalizeETag(o.ETag), o.Size ?? 0))
            .ToList();
        var states = await ReadAllAsync(jobs.Select(j => j.Key).ToList(), outputs, cancellationToken);
        return jobs.Zip(states, (input, state) =>
        {
            bool stale = state.Status != JobStatus.Pending && state.SourceETag is not null && state.SourceETag != input.ETag;
            return (stale ? Pending(input.Key) : state) with { Input = input };
        }).ToList();
    }, cancellationToken);

    /// <summary>The current version (ETag) of every input under <paramref name="prefix"/>, by key.</summary>
    public Task<Dictionary<string, string>> InputVersionsAsync(string prefix, CancellationToken cancellationToken) => Guarded(async () =>
        (await ListObjectsAsync(Storage.InputBucket, prefix, cancellationToken))
            .ToDictionary(o => o.Key, o => ObjectKeys.NormalizeETag(o.ETag), StringComparer.Ordinal), cancellationToken);

    /// <summary>
    /// Where the jobs of <paramref name="inputKeys"/>, all under <paramref name="prefix"/>, stand,
    /// in the same order: one listing of the output bucket, then a look at the outputs of only
    /// those keys that have any, so that polling many jobs costs little while few have finished.
    /// Outputs are not judged against the inputs' current versions: compare
    /// <see cref="JobState.SourceETag"/> (or use <see cref="JobState.IsFinishedFor"/>) with the
    /// version you wrote.
    /// </summary>
    public Task<List<JobState>> ReadManyAsync(string prefix, IReadOnlyList<string> inputKeys, CancellationToken cancellationToken) => Guarded(async () =>
    {
        if (inputKeys.FirstOrDefault(k => !k.StartsWith(prefix, StringComparison.Ordinal)) is { } outside)
            throw new ArgumentException($"Key {outside} is not under prefix {prefix}.", nameof(inputKeys));
        var outputs = await ListOutputKeysAsync(prefix, cancellationToken);
        return (await ReadAllAsync(inputKeys, outputs, cancellationToken)).ToList();
    }, cancellationToken);

    /// <summary>
    /// Copies the output that decides <paramref name="job"/> (its result when done, its report
    /// when failed) to <paramref name="destination"/>; false when that very output is no longer
    /// there (replaced or removed since the job was read: read it again).
    /// </summary>
    public Task<bool> CopyOutputAsync(JobState job, Stream destination, CancellationToken cancellationToken) => Guarded(async () =>
    {
        var output = job.Status switch
        {
            JobStatus.Done => job.Result,
            JobStatus.Failed => job.Report,
            _ => null,
        } ?? throw new InvalidOperationException($"The job of {job.Key} has no output yet.");
        try
        {
            using var response = await _s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = Storage.OutputBucket,
                Key = output.Key,
                EtagToMatch = output.ETag,
            }, cancellationToken);
            await response.ResponseStream.CopyToAsync(destination, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }, cancellationToken);

    /// <summary>
    /// Opens one delivery of <paramref name="source"/> (its current version when it names none).
    /// It is over at once when there is nothing to do (a folder marker, an object gone or
    /// overwritten since the event, a version already finished) or nothing to convert (a key in
    /// report form, an object over the size limit: their report is written here). Otherwise the
    /// attempt holds the input's bytes at the version read, and ends with
    /// <see cref="CompleteAsync"/> or <see cref="RejectAsync"/>. Storage failures propagate, so
    /// the delivery is retried.
    /// </summary>
    public async Task<JobOpening> OpenAsync(SourceObject source, CancellationToken cancellationToken)
    {
        if (source.Bucket != Storage.InputBucket)
            throw new ArgumentException($"The object is in bucket {source.Bucket}; this store's inputs are in {Storage.InputBucket}.", nameof(source));
        if (source.Key.EndsWith('/'))
            return JobOpening.Over(JobOutcome.Ignored); // a "folder" made in the S3 console: a key, not an image
        var etag = source.ETag;
        if (etag is null)
        {
            // No version named (an S3 Batch Operations task): the current one, so that a version
            // already finished is skipped like any repeated delivery.
            if (await HeadAsync(source.Bucket, source.Key, cancellationToken) is not { } current)
                return JobOpening.Over(JobOutcome.Gone);
            etag = current.ETag;
        }

        var seen = await ReadStateAsync(source.Key, cancellationToken);
        if (seen.IsFinishedFor(etag))
        {
            await DeleteStaleAsync(seen, cancellationToken);
            return JobOpening.Over(JobOutcome.AlreadyDone);
        }
        if (ObjectKeys.IsReserved(source.Key))
        {
            var reserved = new PipelineException(ErrorCode.InvalidRequest,
                $"Keys ending in {ObjectKeys.ErrorSuffix} are reserved for failure reports; rename the file and upload it again.");
            return JobOpening.Over(await StoreAsync(source, etag, seen, Report(source.Key, etag, reserved), cancellationToken));
        }

        GetObjectResponse input;
        try
        {
            input = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = source.Bucket, Key = source.Key, EtagToMatch = etag }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return JobOpening.Over(JobOutcome.Gone);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return JobOpening.Over(JobOutcome.Superseded); // overwritten since the event: the newer version's own event follows
        }

        using (input)
        {
            if (input.ContentLength > Storage.MaxObjectBytes)
            {
                var tooLarge = new PipelineException(ErrorCode.PayloadTooLarge,
                    $"The object is {input.ContentLength} bytes; the limit is {Storage.MaxObjectBytes} bytes.");
                return JobOpening.Over(await StoreAsync(source, etag, seen, Report(source.Key, etag, tooLarge), cancellationToken));
            }
            var bytes = new byte[input.ContentLength];
            await input.ResponseStream.ReadExactlyAsync(bytes, cancellationToken);
            return JobOpening.Work(new JobAttempt(source, etag, bytes, seen));
        }
    }

    /// <summary>
    /// Ends <paramref name="attempt"/> with its result, stored unless the input was overwritten
    /// or the job finished for that version meanwhile. Where an object the pipeline did not
    /// write stands at the result key, it is left alone and the job's report says so instead
    /// (code <c>conflict</c>, recording no version, so a redrive or backfill converts the input
    /// once the object is moved).
    /// </summary>
    public Task<JobDelivery> CompleteAsync(JobAttempt attempt, StoredImage image, CancellationToken cancellationToken) =>
        StoreAsync(attempt.Source, attempt.Version, attempt.Seen,
            new PendingOutput(ObjectKeys.Result(attempt.Source.Key), image.Bytes, image.MediaType, attempt.Source.Key, attempt.Version), cancellationToken);

    /// <summary>Ends <paramref name="attempt"/> with a report of <paramref name="error"/>, a verdict on the input (a permanent code).</summary>
    public Task<JobDelivery> RejectAsync(JobAttempt attempt, PipelineException error, CancellationToken cancellationToken)
    {
        if (!ErrorCodes.IsPermanent(error.Code))
            throw new ArgumentException($"{error.Code} is no verdict on the input: let the delivery be retried.", nameof(error));
        return StoreAsync(attempt.Source, attempt.Version, attempt.Seen, Report(attempt.Source.Key, attempt.Version, error), cancellationToken);
    }

    /// <summary>
    /// Leaves a report for an input whose processing kept failing (its message is about to be
    /// dead-lettered), so that its job reads "failed" instead of "pending" forever. Only for
    /// the version <paramref name="source"/> names, and only while it is the input's current
    /// one and not finished. It records no version, so a later delivery (a redrive) still
    /// converts the input and replaces it; and it deletes nothing: a result of an earlier version stays.
    /// </summary>
    public async Task<JobDelivery> ReportGivingUpAsync(SourceObject source, string message, CancellationToken cancellationToken)
    {
        if (source.Bucket != Storage.InputBucket || source.ETag is not { } etag)
            throw new ArgumentException($"Only a version of an object of bucket {Storage.InputBucket} can be given up on.", nameof(source));
        var seen = await ReadStateAsync(source.Key, cancellationToken);
        if (seen.IsFinishedFor(etag))
            return new JobDelivery(JobOutcome.AlreadyDone);
        if (!await IsCurrentAsync(source, etag, cancellationToken))
            return new JobDelivery(JobOutcome.Superseded); // overwritten (or deleted) since: the newer version's delivery decides
        return await StoreAsync(source, etag, seen, Report(source.Key, etag, new PipelineException(ErrorCode.Unavailable, message)), cancellationToken);
    }

    /// <summary>
    /// A presigned PUT for the upload of job <paramref name="id"/> of <paramref name="owner"/>
    /// (see <see cref="ObjectKeys.Upload"/>). The signature pins the
    /// content type, the size and <c>If-None-Match: *</c>: S3 accepts one upload to the job's
    /// fresh key and refuses a replay of the URL (412), so a leaked URL cannot trigger the
    /// worker again and again for its lifetime, <see cref="StorageOptions.UrlExpiry"/> from now.
    /// </summary>
    public Task<PresignedUpload> PresignUploadAsync(JobId id, string contentType, long contentLength, string? owner = null)
    {
        // The SDK signs the seconds left between its own clock and Expires rounded to the nearest
        // (Convert.ToInt64), so Expires is taken from the system clock right before signing, with
        // just under half a second of slack: X-Amz-Expires is the lifetime itself however long
        // the request took so far, as long as the SDK reads its clock within a second of ours.
        var signing = DateTimeOffset.UtcNow;
        var presign = new GetPreSignedUrlRequest
        {
            BucketName = Storage.InputBucket,
            Key = ObjectKeys.Upload(id, owner),
            Verb = HttpVerb.PUT,
            Expires = (signing + Storage.UrlExpiry).UtcDateTime.AddMilliseconds(499),
            ContentType = contentType,
            Protocol = _urlProtocol,
        };
        presign.Headers.ContentLength = contentLength; // signed: S3 rejects a body of any other size
        presign.Headers["If-None-Match"] = "*"; // signed: the URL creates its object or nothing
        var url = _s3.GetPreSignedURL(presign);
        return Task.FromResult(new PresignedUpload(url, new Dictionary<string, string>
        {
            ["Content-Type"] = contentType,
            ["Content-Length"] = contentLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["If-None-Match"] = "*",
        }, signing + Storage.UrlExpiry));
    }

    /// <summary>
    /// The origins (scheme, host and port) of the presigned URLs this store hands out, for uploads
    /// and for results: what a web page's Content-Security-Policy must let a browser connect to.
    /// Found by signing one URL of each kind, so they are exactly what clients get (path-style
    /// on an emulator, a bucket's own host on AWS); signing is local and sends no request.
    /// </summary>
    public async Task<IReadOnlyList<string>> PresignedUrlOriginsAsync()
    {
        var now = _clock.GetUtcNow();
        var probe = JobId.New(now);
        string[] urls =
        [
            (await PresignUploadAsync(probe, "image/jpeg", 1)).Url,
            await PresignResultAsync(new JobState { Key = ObjectKeys.Upload(probe), Status = JobStatus.Pending }),
        ];
        return [.. urls.Select(u => new Uri(u).GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>A presigned GET of the result of <paramref name="job"/>, valid for the configured URL lifetime.</summary>
    public Task<string> PresignResultAsync(JobState job) => _s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
    {
        BucketName = Storage.OutputBucket,
        Key = ObjectKeys.Result(job.Key),
        Verb = HttpVerb.GET,
        Expires = (_clock.GetUtcNow() + Storage.UrlExpiry).UtcDateTime,
        Protocol = _urlProtocol,
    });

    /// <summary>
    /// Reads the job of <paramref name="inputKey"/> from its outputs' metadata; given a listing of
    /// the output bucket (<paramref name="listed"/>), only the outputs it holds are looked at.
    /// </summary>
    private async Task<JobState> ReadStateAsync(string inputKey, CancellationToken cancellationToken, HashSet<string>? listed = null)
    {
        static Task<StoredOutput?> None() => Task.FromResult<StoredOutput?>(null);
        string resultKey = ObjectKeys.Result(inputKey), reportKey = ObjectKeys.Error(inputKey);
        // A key in report form is refused as an input, so what stands at its result key is another input's report.
        var resultHead = ObjectKeys.IsReserved(inputKey) || listed?.Contains(resultKey) == false ? None() : HeadAsync(Storage.OutputBucket, resultKey, cancellationToken);
        var reportHead = listed?.Contains(reportKey) == false ? None() : HeadAsync(Storage.OutputBucket, reportKey, cancellationToken);
        StoredOutput? atResultKey = await resultHead, atReportKey = await reportHead;
        var result = atResultKey?.BelongsTo(inputKey) == true ? atResultKey : null;
        var report = atReportKey?.BelongsTo(inputKey) == true ? atReportKey : null;
        var state = Pending(inputKey) with
        {
            Result = result,
            Report = report,
            ResultKeyTaken = atResultKey is not null && result is null,
            ReportKeyTaken = atReportKey is not null && report is null,
        };

        if (result is not null && (report is null || result.LastModified >= report.LastModified))
            return state with { Status = JobStatus.Done, SourceETag = result.SourceETag };
        if (report is not null)
            return state with { Status = JobStatus.Failed, SourceETag = report.SourceETag, Error = await ReadReportAsync(report.Key, cancellationToken) };
        return state;
    }

    private static JobState Pending(string inputKey) => new() { Key = inputKey, Status = JobStatus.Pending };

    /// <summary>The keys of every output under <paramref name="prefix"/>.</summary>
    private async Task<HashSet<string>> ListOutputKeysAsync(string prefix, CancellationToken cancellationToken) =>
        (await ListObjectsAsync(Storage.OutputBucket, prefix, cancellationToken)).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>The state of each input key, read only where <paramref name="outputs"/> holds its result or report.</summary>
    private async Task<JobState[]> ReadAllAsync(IReadOnlyList<string> inputKeys, HashSet<string> outputs, CancellationToken cancellationToken)
    {
        var states = new JobState[inputKeys.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, inputKeys.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var key = inputKeys[i];
            bool anyOutput = outputs.Contains(ObjectKeys.Result(key)) || outputs.Contains(ObjectKeys.Error(key));
            states[i] = anyOutput ? await ReadStateAsync(key, token, outputs) : Pending(key);
        });
        return states;
    }

    /// <summary>
    /// Writes <paramref name="output"/> if the object at its key is still the one
    /// <paramref name="seen"/> found there, then, when it finishes the version (a result, or a
    /// verdict on the input), removes the other output of the job. A write that loses to a
    /// concurrent one is re-evaluated: if the version read is no longer the input's current one,
    /// or the job has meanwhile been finished for it, nothing is written. Objects the pipeline
    /// did not write are never replaced or deleted: a result whose key holds one becomes a
    /// report that says so, and a report whose key holds one is not written at all (<see cref="JobOutcome.Blocked"/>).
    /// </summary>
    private async Task<JobDelivery> StoreAsync(SourceObject source, string etag, JobState seen, PendingOutput output, CancellationToken cancellationToken)
    {
        PendingOutput placed;
        for (int attempt = 1; ; attempt++)
        {
            placed = output.IsReport || !seen.ResultKeyTaken ? output : Report(source.Key, etag, ResultKeyTaken(source.Key));
            if (placed.IsReport && seen.ReportKeyTaken)
                return new JobDelivery(JobOutcome.Blocked);
            var current = placed.IsReport ? seen.Report : seen.Result;
            try
            {
                await _s3.PutObjectAsync(placed.Request(Storage.OutputBucket, current?.ETag), cancellationToken);
                break;
            }
            catch (AmazonS3Exception e) when (IsConflict(e) && attempt < WriteAttempts)
            {
                if (!await IsCurrentAsync(source, etag, cancellationToken))
                    return new JobDelivery(JobOutcome.Superseded);
                seen = await ReadStateAsync(source.Key, cancellationToken);
                if (seen.IsFinishedFor(etag))
                {
                    await DeleteStaleAsync(seen, cancellationToken);
                    return new JobDelivery(JobOutcome.AlreadyDone);
                }
            }
        }
        if (placed.SourceETag is not null && (placed.IsReport ? seen.Result : seen.Report) is { } other)
            await DeleteIfUnchangedAsync(other, cancellationToken);
        return placed.IsReport ? new JobDelivery(JobOutcome.Rejected, placed.ErrorCode) : new JobDelivery(JobOutcome.Converted);
    }

    // What the job says when its result cannot be written: not a verdict on the input, so it
    // records no version and a redrive (or backfill) converts the input once the key is free.
    private PipelineException ResultKeyTaken(string inputKey) => new(ErrorCode.Conflict,
        $"The output bucket {Storage.OutputBucket} holds an object at {ObjectKeys.Result(inputKey)} that the pipeline did not write; "
        + "it was left as it is. Move or delete it, then send this input again (a redrive or a backfill).");

    private PendingOutput Report(string inputKey, string etag, PipelineException error)
    {
        var report = new ErrorReport(ErrorCodes.Name(error.Code), error.Message, inputKey, etag, _clock.GetUtcNow());
        var body = JsonSerializer.SerializeToUtf8Bytes(report, JobsJsonContext.Default.ErrorReport);
        // Only a verdict on the input itself finishes its version: a report of the service's
        // failure (or of a foreign object in the way) must not stop a redriven event from trying again.
        return new PendingOutput(ObjectKeys.Error(inputKey), body, "application/json", inputKey, ErrorCodes.IsPermanent(error.Code) ? etag : null, report.Code);
    }

    /// <summary>True when the input's current version is still <paramref name="etag"/>.</summary>
    private async Task<bool> IsCurrentAsync(SourceObject source, string etag, CancellationToken cancellationToken) =>
        (await HeadAsync(source.Bucket, source.Key, cancellationToken))?.ETag == etag;

    private async Task DeleteStaleAsync(JobState state, CancellationToken cancellationToken)
    {
        if (state.Stale is { } stale)
            await DeleteIfUnchangedAsync(stale, cancellationToken);
    }

    // Deletes an output of the job only if it is still the object that was read.
    private async Task DeleteIfUnchangedAsync(StoredOutput output, CancellationToken cancellationToken)
    {
        try
        {
            await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Storage.OutputBucket, Key = output.Key, IfMatch = output.ETag }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (IsConflict(e) || e.StatusCode == HttpStatusCode.NotFound)
        {
            // Replaced or removed meanwhile: by a later delivery, whose outcome stands.
        }
    }

    private async Task<ErrorDetail> ReadReportAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(Storage.OutputBucket, key, cancellationToken);
            var report = await JsonSerializer.DeserializeAsync(response.ResponseStream, JobsJsonContext.Default.ErrorReport, cancellationToken);
            if (report is { Code.Length: > 0, Message.Length: > 0 })
                return new ErrorDetail(report.Code, report.Message);
        }
        catch (JsonException)
        {
            // Not a report the worker wrote: said below, without its content.
        }
        return new ErrorDetail(ErrorCodes.Name(ErrorCode.Internal), "The job failed, and its failure report cannot be read.");
    }

    /// <summary>The output (or input) object at <paramref name="key"/>, or null when there is none.</summary>
    private async Task<StoredOutput?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            return new StoredOutput(
                key,
                ObjectKeys.NormalizeETag(head.ETag),
                head.Metadata[ObjectKeys.SourceKeyMetadata],
                head.Metadata[ObjectKeys.SourceETagMetadata] is { Length: > 0 } sourceETag ? sourceETag : null,
                head.LastModified ?? DateTime.MinValue);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<List<S3Object>> ListObjectsAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        var objects = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await _s3.ListObjectsV2Async(request, cancellationToken);
            objects.AddRange(page.S3Objects ?? []);
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return objects;
    }

    // 412: the condition failed; 409: a concurrent write to the same key won.
    private static bool IsConflict(AmazonS3Exception e) => e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict;

    // S3 answered with an error, could not be reached, or did not answer before the deadline:
    // readers (the API, the CLI) see one error, Unavailable.
    private static async Task<T> Guarded<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException
            || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw new PipelineException(ErrorCode.Unavailable, "Storage is unavailable; try again shortly.", e);
        }
    }

    /// <summary>An output about to be written: its key, body and the source it records.</summary>
    private sealed record PendingOutput(string Key, byte[] Body, string MediaType, string SourceKey, string? SourceETag, string? ErrorCode = null)
    {
        /// <summary>True for a failure report (it carries a code), false for a result.</summary>
        public bool IsReport => ErrorCode is not null;

        /// <summary>A PUT that succeeds only if the object at the key is still <paramref name="expectedETag"/> (or still absent).</summary>
        public PutObjectRequest Request(string bucket, string? expectedETag)
        {
            var put = new PutObjectRequest
            {
                BucketName = bucket,
                Key = Key,
                InputStream = new MemoryStream(Body, writable: false),
                ContentType = MediaType,
                IfMatch = expectedETag,
                IfNoneMatch = expectedETag is null ? "*" : null,
            };
            put.Metadata[ObjectKeys.SourceKeyMetadata] = ObjectKeys.SourceStamp(SourceKey);
            if (SourceETag is not null)
                put.Metadata[ObjectKeys.SourceETagMetadata] = SourceETag;
            return put;
        }
    }
}
