using System.Text;
using Pipeline.Errors;
using Pipeline.Jobs;

namespace Pipeline.Cli.Transfer;

/// <summary>
/// How a local folder maps to keys: every file under it (folders and files whose names start
/// with a dot are skipped) becomes <c>&lt;prefix&gt;&lt;relative path&gt;</c> in the input
/// bucket, and its result comes back to the same relative path under the out-folder, a
/// failure's report to <c>&lt;path&gt;.error.json</c> beside it. The prefix is the folder's own
/// name and a slash unless given, so <c>./pipeline convert photos out</c> and
/// <c>aws s3 cp photos s3://input/photos/ --recursive</c> name the same objects.
/// </summary>
public sealed class FolderMapping
{
    private FolderMapping(string root, string outRoot, string prefix)
    {
        Root = root;
        OutRoot = outRoot;
        Prefix = prefix;
    }

    /// <summary>The folder's absolute path.</summary>
    public string Root { get; }

    /// <summary>The out-folder's absolute path.</summary>
    public string OutRoot { get; }

    /// <summary>The key prefix, ending in '/'.</summary>
    public string Prefix { get; }

    /// <summary>
    /// Checks the folders and the prefix: the folder exists, the two folders do not contain each
    /// other (results would be uploaded next time), and the prefix is not where the API's
    /// presigned uploads live.
    /// </summary>
    public static FolderMapping Create(string folder, string outFolder, string? prefix)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var outRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outFolder));
        if (!Directory.Exists(root))
            throw new PipelineException(ErrorCode.InvalidRequest, $"No folder {folder}.");
        if (Contains(root, outRoot) || Contains(outRoot, root))
            throw new PipelineException(ErrorCode.InvalidRequest, "The folder and the out-folder must not be the same or inside each other.");
        prefix ??= Path.GetFileName(root) is { Length: > 0 } name ? name + "/"
            : throw new PipelineException(ErrorCode.InvalidRequest, "The folder has no name to use as its prefix; pass --prefix.");
        prefix = prefix.Trim('/') + "/";
        if (prefix == "/")
            throw new PipelineException(ErrorCode.InvalidRequest, "The prefix must not be empty.");
        if (prefix.StartsWith(ObjectKeys.UploadPrefix, StringComparison.Ordinal))
            throw new PipelineException(ErrorCode.InvalidRequest, $"Keys under {ObjectKeys.UploadPrefix} belong to the API's uploads; pass another --prefix.");
        return new FolderMapping(root, outRoot, prefix);
    }

    /// <summary>Every file under the folder, in path order.</summary>
    public List<LocalFile> Files()
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        return Directory.EnumerateFiles(Root, "*", options)
            .Select(path => (Path: path, Relative: Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/')))
            .Where(f => !f.Relative.Split('/').Any(part => part.StartsWith('.')))
            .Select(f => new LocalFile(f.Relative, f.Path, Prefix + f.Relative))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Why <paramref name="file"/> cannot be an input, or null when it can.</summary>
    public static string? Unusable(LocalFile file) =>
        Encoding.UTF8.GetByteCount(file.Key) > ObjectKeys.MaxKeyBytes
            ? $"its key would be longer than S3's {ObjectKeys.MaxKeyBytes} bytes; shorten its path"
            : ObjectKeys.IsReserved(file.Key)
                ? $"names ending in {ObjectKeys.ErrorSuffix} are kept for failure reports; rename it"
                : null;

    /// <summary>Where the result of <paramref name="file"/> goes.</summary>
    public string ResultPath(LocalFile file) => Path.Combine(OutRoot, file.RelativePath);

    /// <summary>Where the failure report of <paramref name="file"/> goes.</summary>
    public string ReportPath(LocalFile file) => ResultPath(file) + ObjectKeys.ErrorSuffix;

    private static bool Contains(string outer, string inner) =>
        inner == outer || inner.StartsWith(outer + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
