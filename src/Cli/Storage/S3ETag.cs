using System.Security.Cryptography;

namespace Pipeline.Cli.Storage;

/// <summary>
/// The ETag S3 gives a file uploaded the way <see cref="Uploader"/> uploads it (with SSE-S3 or
/// no encryption): the MD5 of the bytes for a single PUT; for a multipart upload, the MD5 of
/// the parts' MD5s, a dash and the part count. The threshold and part size are the AWS CLI's
/// defaults, so a folder copied with <c>aws s3 cp</c> compares equal too.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "S3's ETag is an MD5; it identifies content, it protects nothing.")]
public static class S3ETag
{
    /// <summary>Files of this size or more are uploaded in parts.</summary>
    public const long MultipartThreshold = 8L * 1024 * 1024;

    /// <summary>The size of every part but the last.</summary>
    public const long PartSize = 8L * 1024 * 1024;

    /// <summary>The ETag of the file at <paramref name="path"/>, unquoted.</summary>
    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        if (file.Length < MultipartThreshold)
            return Convert.ToHexStringLower(await MD5.HashDataAsync(file, cancellationToken));

        var buffer = new byte[PartSize];
        using var digests = new MemoryStream();
        int parts = 0;
        while (true)
        {
            int read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
                break;
            digests.Write(MD5.HashData(buffer.AsSpan(0, read)));
            parts++;
        }
        return Convert.ToHexStringLower(MD5.HashData(digests.ToArray())) + "-" + parts.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The MD5 of a file in hex: the ETag of an output the worker wrote (always a single PUT).</summary>
    public static async Task<string?> Md5OfFileAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
            return null;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await MD5.HashDataAsync(file, cancellationToken));
    }
}
