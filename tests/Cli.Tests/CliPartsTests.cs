using Pipeline.Cli.Storage;
using Pipeline.Cli.Terminal;
using Pipeline.Errors;
using Pipeline.Jobs;
using Pipeline.Worker.Events;

namespace Pipeline.Tests.Cli;

/// <summary>The CLI's pieces with no network: folder mapping, notifications, progress lines.</summary>
public sealed class CliPartsTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-parts-");

    [Theory]
    [InlineData("http://127.0.0.1:4566/pipeline-input/uploads/key-local/01M98JDXPY77VAZ14HDBZSACD0?X-Amz-Expires=300", "uploads/key-local/01M98JDXPY77VAZ14HDBZSACD0")]
    [InlineData("https://pipeline-input.s3.eu-west-1.amazonaws.com/uploads/01M98JDXPY77VAZ14HDBZSACD0?X-Amz-Signature=ab", "uploads/01M98JDXPY77VAZ14HDBZSACD0")]
    public void Verify_deletes_the_upload_its_url_names_whoever_owns_it(string url, string key) =>
        Assert.Equal(key, Pipeline.Cli.Checks.ApiChecks.UploadKey(new Uri(url)));

    [Fact]
    public void A_folder_maps_to_its_name_as_prefix_and_skips_dot_files()
    {
        var folder = Path.Combine(_dir.Path, "Holiday 2024");
        Directory.CreateDirectory(Path.Combine(folder, "day 1"));
        Directory.CreateDirectory(Path.Combine(folder, ".git"));
        File.WriteAllText(Path.Combine(folder, "day 1", "a+b.jpg"), "x");
        File.WriteAllText(Path.Combine(folder, ".DS_Store"), "x");
        File.WriteAllText(Path.Combine(folder, ".git", "HEAD"), "x");

        var mapping = FolderMapping.Create(folder, Path.Combine(_dir.Path, "out"), prefix: null);

        Assert.Equal("Holiday 2024/", mapping.Prefix);
        var file = Assert.Single(mapping.Files());
        Assert.Equal(("day 1/a+b.jpg", "Holiday 2024/day 1/a+b.jpg"), (file.RelativePath, file.Key));
        Assert.Equal(Path.Combine(_dir.Path, "out", "day 1", "a+b.jpg.error.json"), mapping.ReportPath(file));
        Assert.Equal("other/", FolderMapping.Create(folder, Path.Combine(_dir.Path, "out"), "/other").Prefix);
    }

    [Fact]
    public void Links_in_the_folder_are_listed_as_unusable_and_never_entered_or_read()
    {
        var folder = Path.Combine(_dir.Path, "linked");
        var outside = Directory.CreateDirectory(Path.Combine(_dir.Path, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.jpg"), "secret");
        Directory.CreateDirectory(Path.Combine(folder, "day"));
        File.WriteAllText(Path.Combine(folder, "day", "a.jpg"), "x");
        File.CreateSymbolicLink(Path.Combine(folder, "secret.jpg"), Path.Combine(outside, "secret.jpg"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "loop"), folder);
        Directory.CreateSymbolicLink(Path.Combine(folder, "day", "elsewhere"), outside);
        File.CreateSymbolicLink(Path.Combine(folder, "dangling.jpg"), Path.Combine(outside, "gone.jpg"));

        var files = FolderMapping.Create(folder, Path.Combine(_dir.Path, "out"), prefix: null).Files();

        Assert.Equal(["dangling.jpg", "day/a.jpg", "day/elsewhere", "loop", "secret.jpg"], files.Select(f => f.RelativePath));
        Assert.Equal(["day/a.jpg"], files.Where(f => FolderMapping.Unusable(f) is null).Select(f => f.RelativePath));
        Assert.All(files.Where(f => f.RelativePath != "day/a.jpg"), f => Assert.StartsWith("a symbolic link, which is not followed", FolderMapping.Unusable(f), StringComparison.Ordinal));
    }

    [Fact]
    public void A_link_in_the_out_folder_is_found_on_the_way_to_a_result_or_its_report()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "in")).FullName;
        var outFolder = Directory.CreateDirectory(Path.Combine(_dir.Path, "out")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(_dir.Path, "outside")).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        Directory.CreateDirectory(Path.Combine(folder, "real"));
        foreach (var name in new[] { "sub/a.jpg", "b.jpg", "c.jpg", "real/d.jpg" })
            File.WriteAllText(Path.Combine(folder, name), "x");
        Directory.CreateDirectory(Path.Combine(outFolder, "real"));
        Directory.CreateSymbolicLink(Path.Combine(outFolder, "sub"), outside);
        File.CreateSymbolicLink(Path.Combine(outFolder, "b.jpg"), Path.Combine(outside, "b.jpg"));
        File.CreateSymbolicLink(Path.Combine(outFolder, "c.jpg.error.json"), Path.Combine(outside, "c.json"));
        var mapping = FolderMapping.Create(folder, outFolder, prefix: null);

        var links = mapping.Files().ToDictionary(f => f.RelativePath, mapping.LinkInOutFolder);

        Assert.Equal(new Dictionary<string, string?> { ["b.jpg"] = "b.jpg", ["c.jpg"] = "c.jpg.error.json", ["real/d.jpg"] = null, ["sub/a.jpg"] = "sub" }, links);
    }

    [Fact]
    public void A_downloads_temporary_name_is_never_another_files_result_or_report()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "named")).FullName;
        foreach (var name in new[] { "a.jpg", "a.jpg.download", "a.jpg.error.json.download", "download" })
            File.WriteAllText(Path.Combine(folder, name), "x");
        var mapping = FolderMapping.Create(folder, Path.Combine(_dir.Path, "out"), prefix: null);
        var files = mapping.Files();
        var outputs = files.SelectMany(f => new[] { mapping.ResultPath(f), mapping.ReportPath(f) }).ToHashSet(StringComparer.Ordinal);

        var partials = outputs.Select(FolderMapping.PartialPath).ToList();

        Assert.Equal(4, files.Count);
        Assert.DoesNotContain(partials, outputs.Contains);
        Assert.Equal(partials.Count, partials.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("in", "in")]
    [InlineData("in", "in/out")]
    [InlineData("in/deeper", "in")]
    public void Folders_inside_each_other_are_refused(string folder, string outFolder)
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, folder));

        var error = Assert.Throws<PipelineException>(() => FolderMapping.Create(Path.Combine(_dir.Path, folder), Path.Combine(_dir.Path, outFolder), null));

        Assert.Equal(ErrorCode.InvalidRequest, error.Code);
    }

    [Fact]
    public void A_file_named_like_a_report_is_refused_so_it_cannot_stand_where_another_files_report_goes()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "named")).FullName;
        File.WriteAllText(Path.Combine(folder, "a.jpg"), "x");
        File.WriteAllText(Path.Combine(folder, "a.jpg.error.json"), "{}");

        var mapping = FolderMapping.Create(folder, Path.Combine(_dir.Path, "out"), prefix: null);
        var files = mapping.Files();

        Assert.Null(FolderMapping.Unusable(files.Single(f => f.RelativePath == "a.jpg")));
        Assert.Contains(".error.json are kept for failure reports", FolderMapping.Unusable(files.Single(f => f.RelativePath == "a.jpg.error.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_api_uploads_prefix_is_refused()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "uploads")).FullName;

        var error = Assert.Throws<PipelineException>(() => FolderMapping.Create(folder, Path.Combine(_dir.Path, "out"), null));

        Assert.Contains("uploads/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backfill_notification_reads_back_through_the_workers_own_parser()
    {
        var input = new SourceObject("pipeline-input", "old/a b+c%d ü/写真.JPG", "0123456789abcdef0123456789abcdef-2", 12_345_678);

        var sent = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

        var parsed = Assert.Single(QueueMessage.Read(S3Notification.ObjectCreated(input, sent), "pipeline-input").Objects);

        Assert.Equal(input, parsed with { EventTime = null });
        Assert.Equal(sent, parsed.EventTime);
    }

    [Fact]
    public void S3_locations_and_progress_lines_read_as_documented()
    {
        Assert.Equal(new S3Location("pipeline-input", "photos/2024/"), S3Location.Parse("s3://pipeline-input/photos/2024/"));
        Assert.Equal(new S3Location("pipeline-input", ""), S3Location.Parse("s3://pipeline-input"));
        Assert.Throws<PipelineException>(() => S3Location.Parse("pipeline-input/photos"));

        var snapshot = new ProgressSnapshot(200, 200, 150, 118, 2, 120, TimeSpan.FromSeconds(12), "uploaded");

        Assert.Equal("uploaded 150/200, converted 118, failed 2, remaining 80, 10.0/s, ETA 0:08", snapshot.Line());
    }

    public void Dispose() => _dir.Dispose();
}
