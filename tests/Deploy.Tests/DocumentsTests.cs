using System.Text.RegularExpressions;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The README is a front door and the documents behind it hold together: every relative link of
/// README.md and docs/ names a file that exists, and every #anchor a heading of its target.
/// </summary>
public sealed partial class DocumentsTests
{
    private static readonly string[] DocsFolder =
    [
        .. Directory.EnumerateFiles(Path.Combine(Artifacts.RepoRoot, "docs"), "*.md")
            .Select(f => Path.GetRelativePath(Artifacts.RepoRoot, f))
            .Order(StringComparer.Ordinal),
    ];

    public static TheoryData<string> Documents => ["README.md", .. DocsFolder];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_link_of_a_document_resolves_to_a_file_and_its_anchor_to_a_heading(string document)
    {
        var path = Path.Combine(Artifacts.RepoRoot, document);
        var broken = new List<string>();
        foreach (var target in Links(File.ReadAllText(path)))
        {
            var (file, anchor) = target.IndexOf('#') is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, null);
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(file)));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
                broken.Add($"{target}: no such file");
            else if (anchor is not null && !Anchors(resolved).Contains(anchor))
                broken.Add($"{target}: no heading #{anchor}");
        }
        Assert.True(broken.Count == 0, $"{document}:\n{string.Join('\n', broken)}");
    }

    [Fact]
    public void The_readme_is_a_front_door_and_links_every_document()
    {
        var readme = File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "README.md"));

        Assert.InRange(readme.Split('\n').Length, 1, 200);
        foreach (var document in DocsFolder)
            Assert.Contains($"]({document})", readme, StringComparison.Ordinal);
    }

    /// <summary>The relative targets of the Markdown links outside code blocks: no scheme, no mail address.</summary>
    private static IEnumerable<string> Links(string markdown) =>
        Link().Matches(CodeBlock().Replace(markdown, ""))
            .Select(m => m.Groups[1].Value)
            .Where(t => !Scheme().IsMatch(t));

    /// <summary>The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens.</summary>
    private static HashSet<string> Anchors(string file) =>
        file.EndsWith(".md", StringComparison.Ordinal)
            ? [.. CodeBlock().Replace(File.ReadAllText(file), "").Split('\n')
                .Where(l => l.StartsWith('#'))
                .Select(l => Punctuation().Replace(l.TrimStart('#').Trim().ToLowerInvariant(), "").Replace(' ', '-'))]
            : [];

    [GeneratedRegex(@"\[[^\]]*\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"```.*?```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex Punctuation();
}
