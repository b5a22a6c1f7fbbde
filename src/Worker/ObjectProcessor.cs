using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Diagnostics;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Storage;

namespace Pipeline.Worker;

/// <summary>An object named by an S3 event, its key already URL-decoded.</summary>
/// <param name="Bucket">The bucket it was written to.</param>
/// <param name="Key">The decoded key.</param>
/// <param name="ETag">The ETag the event reported (unquoted), or empty.</param>
/// <param name="Size">The size the event reported.</param>
public sealed record ObjectRef(string Bucket, string Key, string ETag, long Size);

/// <summary>What became of one object.</summary>
public enum Outcome
{
    /// <summary>A grayscale result was written.</summary>
    Converted,
    /// <summary>A result or report for this version already existed (a repeated delivery).</summary>
    AlreadyDone,
    /// <summary>The input cannot be processed; an .error.json report was written.</summary>
    Rejected,
    /// <summary>The object no longer exists; nothing to do.</summary>
    Gone,
    /// <summary>The key names no image (a folder marker); nothing to do.</summary>
    Ignored,
}

/// <summary>
/// Turns one input object into its grayscale result in the output bucket, or into a
/// <c>&lt;key&gt;.error.json</c> report when the input is not a usable image. Deliveries are
/// at-least-once, so work already done for the same source ETag is skipped. Transient
/// failures (S3 errors, timeouts) propagate, so the message is retried and finally
/// dead-lettered.
/// </summary>
public sealed class ObjectProcessor
{
    private readonly IAmazonS3 _s3;
    private readonly WorkerOptions _options;
    private readonly GrayscaleConverter _converter;
    private readonly JsonLog _log;
    private readonly TimeProvider _clock;
    private readonly DecodeBudget _budget;

    /// <summary>Creates a processor over <paramref name="s3"/>.</summary>
    public ObjectProcessor(IAmazonS3 s3, WorkerOptions options, GrayscaleConverter converter, JsonLog log, TimeProvider clock)
    {
        _s3 = s3;
        _options = options;
        _converter = converter;
        _log = log;
        _clock = clock;
        _budget = new DecodeBudget(options.DecodeBudgetBytes);
    }

    /// <summary>Processes <paramref name="source"/>; throws only for failures worth retrying.</summary>
    public async Task<Outcome> ProcessAsync(ObjectRef source, CancellationToken cancellationToken)
    {
        var storage = _options.Storage;
        if (source.Bucket != storage.InputBucket)
            throw new InvalidOperationException($"Event for bucket {source.Bucket}, but the worker reads {storage.InputBucket}.");
        if (source.Key.EndsWith('/'))
            return Outcome.Ignored; // a "folder" made in the S3 console: a key, not an image

        var resultKey = ObjectKeys.Result(source.Key);
        var errorKey = ObjectKeys.Error(source.Key);
        var resultOf = SourceETagOfAsync(resultKey, cancellationToken);
        var errorOf = SourceETagOfAsync(errorKey, cancellationToken);
        var (existingResult, existingError) = (await resultOf, await errorOf);
        if (source.ETag.Length > 0 && (existingResult == source.ETag || existingError == source.ETag))
        {
            // Done before, but a retry may find the previous version's sibling still there
            // (its delete failed after the write succeeded).
            if (existingResult == source.ETag && existingError is not null)
                await _s3.DeleteObjectAsync(storage.OutputBucket, errorKey, cancellationToken);
            else if (existingError == source.ETag && existingResult is not null)
                await _s3.DeleteObjectAsync(storage.OutputBucket, resultKey, cancellationToken);
            return Outcome.AlreadyDone;
        }

        GetObjectResponse input;
        try
        {
            input = await _s3.GetObjectAsync(source.Bucket, source.Key, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return Outcome.Gone;
        }

        using (input)
        {
            // Record the version actually read: if the object was overwritten since the event,
            // its own event will find this result and skip.
            var etag = ObjectKeys.NormalizeETag(input.ETag);
            if (input.ContentLength > storage.MaxObjectBytes)
            {
                var tooLarge = new PipelineException(ErrorCode.PayloadTooLarge,
                    $"The object is {input.ContentLength} bytes; the limit is {storage.MaxObjectBytes} bytes.");
                await RejectAsync(source.Key, etag, tooLarge, existingResult is not null, cancellationToken);
                return Outcome.Rejected;
            }

            var bytes = new byte[input.ContentLength];
            await input.ResponseStream.ReadExactlyAsync(bytes, cancellationToken);

            ConvertedImage result;
            try
            {
                var info = _converter.Inspect(bytes);
                using (await _budget.AcquireAsync(info.EstimatedPeakBytes, cancellationToken))
                    result = _converter.Convert(bytes, info, info.Format, _options.Quality);
            }
            catch (PipelineException e) when (ErrorCodes.IsPermanent(e.Code))
            {
                await RejectAsync(source.Key, etag, e, existingResult is not null, cancellationToken);
                return Outcome.Rejected;
            }

            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = storage.OutputBucket,
                Key = resultKey,
                InputStream = new MemoryStream(result.Bytes, writable: false),
                ContentType = result.Format.MediaType(),
                Metadata = { [ObjectKeys.SourceETagMetadata] = etag },
            }, cancellationToken);
            if (existingError is not null)
                await _s3.DeleteObjectAsync(storage.OutputBucket, errorKey, cancellationToken); // an older version's failure
            return Outcome.Converted;
        }
    }

    /// <summary>
    /// Leaves a report for an object whose processing kept failing (its message is about to be
    /// dead-lettered), so that its job reads "failed" instead of "pending" forever. A later
    /// successful redrive replaces the report with the result.
    /// </summary>
    public async Task ReportGivingUpAsync(ObjectRef source, Exception failure, CancellationToken cancellationToken)
    {
        var error = new PipelineException(ErrorCode.Unavailable,
            $"Processing failed {_options.MaxReceiveCount} times ({failure.GetType().Name}); the event is in the dead-letter queue and can be redriven.");
        await RejectAsync(source.Key, source.ETag, error, staleResult: false, cancellationToken);
    }

    private async Task RejectAsync(string key, string etag, PipelineException error, bool staleResult, CancellationToken cancellationToken)
    {
        var storage = _options.Storage;
        var report = new ErrorReport(ErrorCodes.Name(error.Code), error.Message, key, etag, _clock.GetUtcNow());
        var put = new PutObjectRequest
        {
            BucketName = storage.OutputBucket,
            Key = ObjectKeys.Error(key),
            InputStream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(report, StorageJsonContext.Default.ErrorReport), writable: false),
            ContentType = "application/json",
        };
        // Only a verdict on the input itself marks this version as done; a transient failure's
        // report must not stop a redriven event from trying again.
        if (ErrorCodes.IsPermanent(error.Code))
            put.Metadata[ObjectKeys.SourceETagMetadata] = etag;
        await _s3.PutObjectAsync(put, cancellationToken);
        if (staleResult)
            await _s3.DeleteObjectAsync(storage.OutputBucket, ObjectKeys.Result(key), cancellationToken); // an older version's result
        _log.Write("warn", "input rejected", ("key", key), ("code", report.Code));
    }

    /// <summary>The source-etag metadata of an output object, or null when the object does not exist.</summary>
    private async Task<string?> SourceETagOfAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(_options.Storage.OutputBucket, key, cancellationToken);
            return head.Metadata[ObjectKeys.SourceETagMetadata] ?? "";
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
