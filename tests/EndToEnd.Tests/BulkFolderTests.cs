using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;
using Pipeline.Imaging;
using Xunit.Abstractions;

namespace Pipeline.Tests.EndToEnd;

/// <summary>Someone with a folder and the AWS CLI: `aws s3 cp --recursive` in, grayscale copies out.</summary>
[Collection("stack")]
public sealed class BulkFolderTests : IDisposable
{
    private readonly PipelineStack _stack;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _dir = new("bulk-");

    public BulkFolderTests(PipelineStack stack, ITestOutputHelper output)
    {
        _stack = stack;
        _output = output;
    }

    [Fact]
    public async Task A_folder_copied_with_the_cli_comes_out_gray_under_the_same_keys()
    {
        var images = WriteFolder(_dir.Path);
        File.WriteAllText(Path.Combine(_dir.Path, "notes.txt"), "not an image");
        var truncated = TestImages.Jpeg(200, 150);
        File.WriteAllBytes(Path.Combine(_dir.Path, "broken", "half.jpg"), truncated[..(truncated.Length / 2)]);
        var prefix = $"bulk-{Guid.NewGuid():N}/";

        var clock = Stopwatch.StartNew();
        await _stack.AwsAsync("s3", "cp", _dir.Path, $"s3://{_stack.InputBucket}/{prefix}", "--recursive", "--only-show-errors");
        var uploaded = clock.Elapsed;
        var expected = images.Keys.Select(k => prefix + k)
            .Append(prefix + "notes.txt.error.json")
            .Append(prefix + "broken/half.jpg.error.json")
            .ToList();
        await _stack.WaitForOutputsAsync(prefix, expected, TimeSpan.FromMinutes(3));
        _output.WriteLine($"{images.Count} images + 2 bad files: uploaded in {uploaded.TotalSeconds:0.0} s, all outputs present after {clock.Elapsed.TotalSeconds:0.0} s");

        var outputs = await _stack.KeysAsync(_stack.OutputBucket, prefix);
        Assert.Equal(expected.Order(StringComparer.Ordinal), outputs.Order(StringComparer.Ordinal));
        foreach (var (key, (format, size)) in images)
        {
            var (bytes, response) = await _stack.GetAsync(_stack.OutputBucket, prefix + key);
            Assert.Equal(format.MediaType(), response.Headers.ContentType);
            Assert.Equal(format, ImageInspector.Inspect(bytes).Format);
            using var gray = PixelAssert.IsGray(bytes, tolerance: format == ImageFormat.WebP ? 1 : 0);
            Assert.Equal(size, gray.Size());
        }
        await AssertReportAsync(prefix + "notes.txt.error.json", "unsupported_media_type");
        await AssertReportAsync(prefix + "broken/half.jpg.error.json", "corrupt_image");
    }

    private async Task AssertReportAsync(string key, string code)
    {
        var (bytes, response) = await _stack.GetAsync(_stack.OutputBucket, key);
        Assert.Equal("application/json", response.Headers.ContentType);
        using var report = JsonDocument.Parse(bytes);
        Assert.Equal(code, report.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(report.RootElement.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(report.RootElement.GetProperty("sourceETag").GetString()));
    }

    /// <summary>
    /// 66 images across nested folders, in all five formats, with names that need URL-encoding
    /// in S3 events: spaces, '+', unicode, upper-case extensions.
    /// </summary>
    internal static Dictionary<string, (ImageFormat Format, Size Size)> WriteFolder(string root)
    {
        var folders = new[] { "", "holiday 2024/", "holiday 2024/day+1/", "ünïcödé/日本/", "broken/" };
        var names = new (string Name, ImageFormat Format)[]
        {
            ("photo", ImageFormat.Jpeg), ("IMG_0001", ImageFormat.Jpeg), ("scan", ImageFormat.Png),
            ("icon", ImageFormat.WebP), ("old", ImageFormat.Bmp), ("print", ImageFormat.Tiff),
        };
        var images = new Dictionary<string, (ImageFormat, Size)>();
        int n = 0;
        foreach (var folder in folders)
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
            for (int copy = 0; images.Count < 66 && copy < 3; copy++)
            {
                foreach (var (name, format) in names)
                {
                    if (folder == "broken/")
                        break;
                    n++;
                    var size = new Size(96 + n % 7 * 16, 64 + n % 5 * 8);
                    var extension = (format, n % 2) switch
                    {
                        (ImageFormat.Jpeg, 0) => ".JPG",
                        (ImageFormat.Jpeg, _) => ".jpeg",
                        (ImageFormat.Png, 0) => ".PNG",
                        _ => format.EncoderExtension(),
                    };
                    var key = $"{folder}{name} {copy}+{n}{extension}";
                    using var mat = TestImages.ColourMat(size.Width, size.Height, seed: n);
                    File.WriteAllBytes(Path.Combine(root, key), TestImages.Encode(mat, format.EncoderExtension()));
                    images[key] = (format, size);
                }
            }
        }
        return images;
    }

    public void Dispose() => _dir.Dispose();
}
