namespace Pipeline.Cli.Storage;

/// <summary>A file of the folder being converted and the input key it maps to.</summary>
/// <param name="RelativePath">Its path under the folder, with '/' separators.</param>
/// <param name="FullPath">Its absolute path.</param>
/// <param name="Key">Its input key: the folder's prefix and <paramref name="RelativePath"/>.</param>
/// <param name="IsLink">True for a symbolic link (never followed, so never an input).</param>
public sealed record LocalFile(string RelativePath, string FullPath, string Key, bool IsLink = false);
