using System.IO.Enumeration;
using System.Text;
using Pipeline.Errors;
using Pipeline.Jobs;

namespace Pipeline.Cli.Storage;

/// <summary>
/// How a local folder maps to keys: every file under it (folders and files whose names start
/// with a dot are skipped) becomes <c>&lt;prefix&gt;&lt;relative path&gt;</c> in the input
/// bucket, and its result comes back to the same relative path under the out-folder, a
/// failure's report to <c>&lt;path&gt;.error.json</c> beside it. The prefix is the folder's own
/// name and a slash unless given, so <c>./pipeline convert photos out</c> and
/// <c>aws s3 cp photos s3://input/photos/ --recursive</c> name the same objects.
/// Symbolic links are never followed, in the folder (a link is listed, and refused, rather than
/// read or entered) or in the out-folder (a result whose path passes through one is not written).
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

    /// <summary>
    /// Every file under the folder, and every symbolic link (to a file, a folder or nothing),
    /// in path order; folders are entered, links are not.
    /// </summary>
    public List<LocalFile> Files()
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        var entries = new FileSystemEnumerable<(string Path, bool IsLink)>(Root, (ref FileSystemEntry e) => (e.ToFullPath(), IsLink(ref e)), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.FileName.StartsWith('.') && (!e.IsDirectory || IsLink(ref e)),
            ShouldRecursePredicate = (ref FileSystemEntry e) => !e.FileName.StartsWith('.') && !IsLink(ref e),
        };
        return entries
            .Select(e => (e.Path, e.IsLink, Relative: Path.GetRelativePath(Root, e.Path).Replace(Path.DirectorySeparatorChar, '/')))
            .Select(e => new LocalFile(e.Relative, e.Path, Prefix + e.Relative, e.IsLink))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Why <paramref name="file"/> cannot be an input, or null when it can.</summary>
    public static string? Unusable(LocalFile file) =>
        file.IsLink
            ? "a symbolic link, which is not followed; copy what it points to into the folder to convert it"
            : Encoding.UTF8.GetByteCount(file.Key) > ObjectKeys.MaxKeyBytes
                ? $"its key would be longer than S3's {ObjectKeys.MaxKeyBytes} bytes; shorten its path"
                : ObjectKeys.IsReserved(file.Key)
                    ? $"names ending in {ObjectKeys.ErrorSuffix} are kept for failure reports; rename it"
                    : null;

    /// <summary>
    /// The first symbolic link, relative to the out-folder, on the way to the result or report of
    /// <paramref name="file"/> (a folder under the out-folder, or either file), or null when there is none.
    /// </summary>
    public string? LinkInOutFolder(LocalFile file)
    {
        var parts = file.RelativePath.Split('/');
        var path = OutRoot;
        for (int i = 0; i < parts.Length; i++)
        {
            path = Path.Combine(path, parts[i]);
            bool last = i == parts.Length - 1;
            foreach (var candidate in last ? [path, path + ObjectKeys.ErrorSuffix] : new[] { path })
            {
                if (new FileInfo(candidate).LinkTarget is not null)
                    return Path.GetRelativePath(OutRoot, candidate);
            }
        }
        return null;
    }

    /// <summary>
    /// Where a download to <paramref name="path"/> is written before it is renamed: beside it, its
    /// name with a dot before and <c>.download</c> after. No input's result or report can have that
    /// name, since names starting with a dot are never inputs.
    /// </summary>
    public static string PartialPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".download");

    /// <summary>Where the result of <paramref name="file"/> goes.</summary>
    public string ResultPath(LocalFile file) => Path.Combine(OutRoot, file.RelativePath);

    /// <summary>Where the failure report of <paramref name="file"/> goes.</summary>
    public string ReportPath(LocalFile file) => ResultPath(file) + ObjectKeys.ErrorSuffix;

    private static bool Contains(string outer, string inner) =>
        inner == outer || inner.StartsWith(outer + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static bool IsLink(ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;
}
