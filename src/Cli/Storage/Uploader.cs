using Amazon.S3;
using Amazon.S3.Transfer;

namespace Pipeline.Cli.Storage;

/// <summary>Uploads files to the input bucket: one PUT below <see cref="S3ETag.MultipartThreshold"/>, parts of <see cref="S3ETag.PartSize"/> above.</summary>
public sealed class Uploader : IDisposable
{
    private readonly TransferUtility _transfer;
    private readonly string _bucket;

    /// <summary>Creates an uploader to <paramref name="bucket"/>.</summary>
    public Uploader(IAmazonS3 s3, string bucket)
    {
        _transfer = new TransferUtility(s3, new TransferUtilityConfig { MinSizeBeforePartUpload = S3ETag.MultipartThreshold });
        _bucket = bucket;
    }

    /// <summary>Uploads <paramref name="file"/> to its key.</summary>
    public Task UploadAsync(LocalFile file, CancellationToken cancellationToken) =>
        _transfer.UploadAsync(new TransferUtilityUploadRequest
        {
            BucketName = _bucket,
            Key = file.Key,
            FilePath = file.FullPath,
            PartSize = S3ETag.PartSize,
        }, cancellationToken);

    /// <inheritdoc/>
    public void Dispose() => _transfer.Dispose();
}
