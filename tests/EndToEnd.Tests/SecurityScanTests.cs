using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.EndToEnd;

/// <summary>No credentials in the repository: every tracked file is scanned for key material.</summary>
public sealed partial class SecurityScanTests
{
    [GeneratedRegex("AKIA[0-9A-Z]{16}")]
    private static partial Regex AccessKeyId();

    [GeneratedRegex("-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----")]
    private static partial Regex PrivateKey();

    [GeneratedRegex("(?i)aws_secret_access_key[\"']?\\s*[:=]\\s*[\"']?[A-Za-z0-9/+]{40}")]
    private static partial Regex SecretAccessKey();

    [Fact]
    public async Task No_tracked_file_holds_an_aws_key_or_a_private_key()
    {
        var listing = await Tools.RunAsync("git", ["ls-files", "-z"]);
        Assert.True(listing.ExitCode == 0, listing.Stderr);
        var files = listing.Stdout.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("Pipeline.sln", files); // the listing really is this repository's

        var findings = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(Artifacts.RepoRoot, file);
            if (!File.Exists(path)) // deleted in the working tree, not yet committed
                continue;
            var bytes = await File.ReadAllBytesAsync(path);
            findings.AddRange(Findings(file, bytes));
        }

        Assert.True(findings.Count == 0, "credentials in tracked files:\n" + string.Join('\n', findings));
    }

    [Fact]
    public void The_scan_recognises_what_it_looks_for()
    {
        // Built at run time, so this file itself holds no match.
        var samples = new[]
        {
            "key = " + "AKIA" + new string('Q', 16),
            "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE...",
            "-----BEGIN " + "OPENSSH PRIVATE KEY-----",
            "aws_secret_access_key = " + new string('x', 36) + "/+AB",
        };
        foreach (var sample in samples)
            Assert.NotEmpty(Findings("sample", Encoding.UTF8.GetBytes(sample)));
        Assert.Empty(Findings("sample", "AWS_SECRET_ACCESS_KEY=test  AKIA-not-a-key"u8.ToArray()));
    }

    private static IEnumerable<string> Findings(string file, byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        foreach (var pattern in new[] { AccessKeyId(), PrivateKey(), SecretAccessKey() })
        {
            foreach (Match match in pattern.Matches(text))
            {
                int line = text.AsSpan(0, match.Index).Count('\n') + 1;
                yield return $"{file}:{line}: {match.Value[..Math.Min(12, match.Value.Length)]}…";
            }
        }
    }
}
