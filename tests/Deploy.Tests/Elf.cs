using System.Text.RegularExpressions;

namespace Pipeline.Tests.Deploy;

/// <summary>What the dynamic loader will ask of an ELF file, read with binutils' readelf.</summary>
public static partial class Elf
{
    /// <summary>The file's DT_NEEDED entries, in order.</summary>
    public static IReadOnlyList<string> Needed(string path) =>
        [.. NeededPattern().Matches(Tools.Output("readelf", "-d", "--wide", path)).Select(m => m.Groups[1].Value)];

    /// <summary>
    /// The symbol versions the file requires (its .gnu.version_r section), as (library, version)
    /// pairs such as ("libc.so.6", "GLIBC_2.28"); versions the file itself defines are not included.
    /// </summary>
    public static IReadOnlyList<(string Library, string Version)> VersionNeeds(string path)
    {
        var needs = new List<(string, string)>();
        bool inNeeds = false;
        string library = "";
        foreach (var line in Tools.Output("readelf", "-V", "--wide", path).Split('\n'))
        {
            if (line.StartsWith("Version needs section", StringComparison.Ordinal))
                inNeeds = true;
            else if (line.StartsWith("Version ", StringComparison.Ordinal))
                inNeeds = false;
            else if (inNeeds && FilePattern().Match(line) is { Success: true } file)
                library = file.Groups[1].Value;
            else if (inNeeds && NamePattern().Match(line) is { Success: true } name)
                needs.Add((library, name.Groups[1].Value));
        }
        return needs;
    }

    /// <summary>The highest GLIBC_x.y the file requires, or null when it requires none.</summary>
    public static Version? MaxGlibc(string path) =>
        VersionNeeds(path)
            .Select(n => GlibcPattern().Match(n.Version))
            .Where(m => m.Success)
            .Select(m => Version.Parse(m.Groups[1].Value.Contains('.', StringComparison.Ordinal) ? m.Groups[1].Value : m.Groups[1].Value + ".0"))
            .DefaultIfEmpty()
            .Max();

    /// <summary>Whether the file starts with the ELF magic number.</summary>
    public static bool IsElf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.Read(magic) == 4 && magic.SequenceEqual("\u007FELF"u8);
    }

    [GeneratedRegex(@"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")]
    private static partial Regex NeededPattern();

    [GeneratedRegex(@"File: (\S+)")]
    private static partial Regex FilePattern();

    [GeneratedRegex(@"Name: (\S+)")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^GLIBC_(\d+(?:\.\d+)*)$")]
    private static partial Regex GlibcPattern();
}
