using System.Diagnostics;
using System.Text.Json;
using Amazon.S3.Model;
using OpenCvSharp;
using Pipeline.Cli.Storage;
using Xunit.Abstractions;

namespace Pipeline.Tests.Cli;

/// <summary>`pipeline convert` as a person runs it: a folder in, grayscale copies and reasons out, and a second run that has nothing to do.</summary>
[Collection("cli")]
public sealed class ConvertTests : IDisposable
{
    private readonly CliStack _stack;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new("cli-");

    public ConvertTests(CliStack stack, ITestOutputHelper output)
    {
        _stack = stack;
        _output = output;
    }

    [Fact]
    public async Task Awkward_names_a_large_file_a_broken_jpeg_and_a_text_file_come_back_as_images_and_two_reports_and_a_rerun_uploads_nothing()
    {
        var folder = Path.Combine(_dir.Path, $"photos {Guid.NewGuid():N} ü+%");
        var prefix = Path.GetFileName(folder) + "/";
        var images = new Dictionary<string, (byte[] Bytes, Size Size)>
        {
            ["a.jpg"] = (TestImages.Jpeg(120, 80, seed: 1), new Size(120, 80)),
            ["nested/deeper/b c.png"] = (TestImages.Png(90, 60), new Size(90, 60)),
            ["ünïcödé/日本/写真 1.JPG"] = (TestImages.Jpeg(64, 96, seed: 2), new Size(64, 96)),
            ["plus+and%percent/x+y%20z.jpg"] = (TestImages.Jpeg(100, 50, seed: 3), new Size(100, 50)),
            ["big/large noise.jpg"] = (TestImages.NoisyJpeg(3200, 2400, quality: 98), new Size(3200, 2400)),
        };
        Assert.True(images["big/large noise.jpg"].Bytes.Length > S3ETag.MultipartThreshold, "the large file must be uploaded in parts");
        foreach (var (path, (bytes, _)) in images)
            Write(folder, path, bytes);
        var jpeg = TestImages.Jpeg(200, 150);
        Write(folder, "broken.jpg", jpeg[..(jpeg.Length / 2)]);
        Write(folder, "notes.txt", "not an image"u8.ToArray());
        Write(folder, ".DS_Store", [0, 1, 2]);
        // Someone else's objects: an input under the same prefix, and a presigned upload's result.
        await _stack.Moto.PutAsync(_stack.InputBucket, prefix + "someone else.jpg", TestImages.Jpeg(32, 32));
        await _stack.Moto.PutAsync(_stack.OutputBucket, "uploads/01JABCDEFGHJKMNPQRSTVWXYZ0", TestImages.Jpeg(32, 32));
        var outFolder = Path.Combine(_dir.Path, "out");

        var clock = Stopwatch.StartNew();
        var first = await _stack.RunAsync("convert", folder, outFolder);
        var firstTime = clock.Elapsed;
        _output.WriteLine($"first run {firstTime.TotalSeconds:0.0} s:\n{first.Stdout}{first.Stderr}");

        Assert.Equal(1, first.ExitCode);
        var (converted, failed, line) = CliStack.Summary(first.Stdout);
        Assert.Equal((5, 2), (converted, failed));
        Assert.Contains("7 uploaded", line, StringComparison.Ordinal);
        var lines = first.Stdout.Split('\n');
        int summaryAt = Array.IndexOf(lines, line);
        Assert.Contains(lines[..summaryAt], l => l.StartsWith($"failed: {Path.Combine(folder, "broken.jpg")}: corrupt_image: ", StringComparison.Ordinal));
        Assert.Contains(lines[..summaryAt], l => l.StartsWith($"failed: {Path.Combine(folder, "notes.txt")}: unsupported_media_type: ", StringComparison.Ordinal));

        var written = Directory.EnumerateFiles(outFolder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(outFolder, f)).Order(StringComparer.Ordinal);
        Assert.Equal(images.Keys.Append("broken.jpg.error.json").Append("notes.txt.error.json").Order(StringComparer.Ordinal), written);
        foreach (var (path, (_, size)) in images)
        {
            using var gray = PixelAssert.IsGray(File.ReadAllBytes(Path.Combine(outFolder, path)));
            Assert.Equal(size, gray.Size());
        }
        AssertReport(Path.Combine(outFolder, "broken.jpg.error.json"), "corrupt_image");
        AssertReport(Path.Combine(outFolder, "notes.txt.error.json"), "unsupported_media_type");

        var inputs = await InputsAsync(prefix);
        Assert.DoesNotContain(prefix + ".DS_Store", inputs.Keys);
        var big = inputs[prefix + "big/large noise.jpg"];
        long parts = (images["big/large noise.jpg"].Bytes.Length + S3ETag.PartSize - 1) / S3ETag.PartSize;
        Assert.EndsWith($"-{parts}", big.ETag.Trim('"'), StringComparison.Ordinal); // multipart, 8 MiB parts
        Assert.Equal(big.ETag.Trim('"'), await S3ETag.OfFileAsync(Path.Combine(folder, "big/large noise.jpg"), CancellationToken.None));

        // Witnesses of the first run's state: a tag on each input (S3 drops an object's tags when
        // it is written again) and each file's write time in the out-folder.
        foreach (var key in inputs.Keys)
            await _stack.S3.PutObjectTaggingAsync(new PutObjectTaggingRequest { BucketName = _stack.InputBucket, Key = key, Tagging = new Tagging { TagSet = [FirstRun] } });
        var writeTimes = WriteTimes(outFolder);
        clock.Restart();
        var second = await _stack.RunAsync("convert", folder, outFolder);
        _output.WriteLine($"second run {clock.Elapsed.TotalSeconds:0.0} s:\n{second.Stdout}{second.Stderr}");

        Assert.Equal(1, second.ExitCode);
        var (converted2, failed2, line2) = CliStack.Summary(second.Stdout);
        Assert.Equal((5, 2), (converted2, failed2));
        Assert.Contains("0 uploaded", line2, StringComparison.Ordinal);
        Assert.Contains(": 0 to upload, 7 already there", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(inputs.Select(i => (i.Key, i.Value.ETag)), (await InputsAsync(prefix)).Select(i => (i.Key, i.Value.ETag)));
        foreach (var key in inputs.Keys)
        {
            var tags = (await _stack.S3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = _stack.InputBucket, Key = key })).Tagging ?? [];
            Assert.True(tags.Count == 1 && tags[0].Value == FirstRun.Value, $"{key} was written again");
        }
        Assert.Equal(writeTimes, WriteTimes(outFolder)); // nothing downloaded again either

        var status = await _stack.RunAsync("status", $"s3://{_stack.InputBucket}/{prefix}");
        Assert.Equal(0, status.ExitCode);
        Assert.Equal($"6 converted, 2 failed, 0 pending of 8 inputs under s3://{_stack.InputBucket}/{prefix}: finished", status.Stdout.TrimEnd('\n').Split('\n')[^1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // as under `nohup ./test.sh &`, whose children inherit SIGINT ignored
    public async Task Ctrl_c_stops_cleanly_and_the_next_run_resumes(bool fromParentIgnoringSigint)
    {
        var folder = Path.Combine(_dir.Path, $"resume-{Guid.NewGuid():N}");
        for (int i = 0; i < 40; i++)
            Write(folder, $"set {i / 10}/img {i}.jpg", TestImages.Jpeg(160, 120, seed: i));
        var outFolder = Path.Combine(_dir.Path, "resumed");

        using var cli = _stack.Start(fromParentIgnoringSigint, "convert", folder, outFolder);
        await cli.WaitForLineAsync(l => l.Contains("40 to upload", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await cli.InterruptAsync(TimeSpan.FromSeconds(30));
        _output.WriteLine(cli.Tail());

        Assert.Equal(130, cli.ExitCode);
        var (converted, failed, line) = CliStack.Summary(string.Join('\n', cli.Lines));
        Assert.True(converted < 40 && failed == 0, line);
        Assert.Contains("run the same command again to resume", line, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(outFolder) ? Directory.EnumerateFiles(outFolder, "*.download", SearchOption.AllDirectories) : []);

        var again = await _stack.RunAsync("convert", folder, outFolder);
        _output.WriteLine(again.Stdout);

        Assert.Equal(0, again.ExitCode);
        var (convertedAgain, failedAgain, _) = CliStack.Summary(again.Stdout);
        Assert.Equal((40, 0), (convertedAgain, failedAgain));
        Assert.Equal(40, Directory.EnumerateFiles(outFolder, "*.jpg", SearchOption.AllDirectories).Count());
        Assert.Empty(Directory.EnumerateFiles(outFolder, "*.download", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Links_in_the_folder_and_in_the_out_folder_are_listed_as_failed_and_never_followed()
    {
        var folder = Path.Combine(_dir.Path, $"links-{Guid.NewGuid():N}");
        var prefix = Path.GetFileName(folder) + "/";
        var outside = Directory.CreateDirectory(Path.Combine(_dir.Path, "outside")).FullName;
        var secret = Path.Combine(outside, "secret.jpg");
        File.WriteAllBytes(secret, TestImages.Jpeg(40, 30, seed: 9));
        Write(folder, "a.jpg", TestImages.Jpeg(48, 32, seed: 1));
        Write(folder, "sub/b.jpg", TestImages.Jpeg(32, 48, seed: 2));
        Directory.CreateSymbolicLink(Path.Combine(folder, "loop"), folder);
        File.CreateSymbolicLink(Path.Combine(folder, "secret.jpg"), secret);
        var outFolder = Directory.CreateDirectory(Path.Combine(_dir.Path, "links-out")).FullName;
        var planted = Directory.CreateDirectory(Path.Combine(_dir.Path, "planted")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(outFolder, "sub"), planted);

        var run = await _stack.RunAsync("convert", folder, outFolder);
        _output.WriteLine(run.Stdout + run.Stderr);

        Assert.Equal(1, run.ExitCode);
        var (converted, failed, _) = CliStack.Summary(run.Stdout);
        Assert.Equal((1, 3), (converted, failed));
        Assert.Contains($"failed: {Path.Combine(folder, "loop")}: a symbolic link, which is not followed", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"failed: {Path.Combine(folder, "secret.jpg")}: a symbolic link, which is not followed", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"failed: {Path.Combine(folder, "sub/b.jpg")}: the out-folder has a symbolic link at sub", run.Stdout, StringComparison.Ordinal);
        Assert.Equal([prefix + "a.jpg", prefix + "sub/b.jpg"], (await InputsAsync(prefix)).Keys);
        Assert.Empty(Directory.EnumerateFileSystemEntries(planted));
        using var gray = PixelAssert.IsGray(File.ReadAllBytes(Path.Combine(outFolder, "a.jpg")));
    }

    [Fact]
    public async Task A_file_named_like_another_files_download_keeps_its_own_result()
    {
        var folder = Path.Combine(_dir.Path, $"named-{Guid.NewGuid():N}");
        Write(folder, "a.jpg", TestImages.Jpeg(120, 80, seed: 1));
        Write(folder, "a.jpg.download", TestImages.Jpeg(64, 48, seed: 2));
        var outFolder = Path.Combine(_dir.Path, "named-out");
        var first = await _stack.RunAsync("convert", folder, outFolder);
        _output.WriteLine(first.Stdout + first.Stderr);
        Assert.Equal(0, first.ExitCode);

        // Only a.jpg is downloaded again, with a.jpg.download's result already in place.
        File.Delete(Path.Combine(outFolder, "a.jpg"));
        var second = await _stack.RunAsync("convert", folder, outFolder);
        _output.WriteLine(second.Stdout + second.Stderr);

        Assert.Equal(0, second.ExitCode);
        var (converted, failed, _) = CliStack.Summary(second.Stdout);
        Assert.Equal((2, 0), (converted, failed));
        using (var a = PixelAssert.IsGray(File.ReadAllBytes(Path.Combine(outFolder, "a.jpg"))))
            Assert.Equal(new Size(120, 80), a.Size());
        using (var download = PixelAssert.IsGray(File.ReadAllBytes(Path.Combine(outFolder, "a.jpg.download"))))
            Assert.Equal(new Size(64, 48), download.Size());
        Assert.Equal(["a.jpg", "a.jpg.download"], Directory.EnumerateFileSystemEntries(outFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static readonly Tag FirstRun = new() { Key = "run", Value = "first" };

    /// <summary>Every file under <paramref name="folder"/> with its last write time.</summary>
    private static SortedDictionary<string, DateTime> WriteTimes(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc), StringComparer.Ordinal);

    private async Task<SortedDictionary<string, S3Object>> InputsAsync(string prefix)
    {
        var listing = await _stack.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _stack.InputBucket, Prefix = prefix });
        return new SortedDictionary<string, S3Object>(listing.S3Objects.ToDictionary(o => o.Key), StringComparer.Ordinal);
    }

    private static void Write(string folder, string path, byte[] bytes)
    {
        var full = Path.Combine(folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    private static void AssertReport(string path, string code)
    {
        using var report = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal(code, report.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(report.RootElement.GetProperty("message").GetString()));
    }

    public void Dispose() => _dir.Dispose();
}
