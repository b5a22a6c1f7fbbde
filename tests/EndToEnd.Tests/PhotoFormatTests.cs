using System.Net;
using OpenCvSharp;
using Pipeline.Imaging;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// The photos people have, through the whole local stack: HEIC, AVIF and JPEG XL from the real
/// encoders, and Display P3 and CMYK JPEGs, copied into the input bucket with the AWS CLI and
/// posted to POST / with curl, come back as gray JPEGs, the colour-managed ones as Pillow's
/// ImageCms grays them.
/// </summary>
[Collection("stack")]
public sealed class PhotoFormatTests : IDisposable
{
    private const double CodingNoise = 3.0; // lossy coding, then the gray re-encoded at quality 90

    private readonly PipelineStack _stack;
    private readonly string _dir = Directory.CreateTempSubdirectory("photo-formats-").FullName;
    private readonly byte[] _source = EncodedPhotos.SourcePng(320, 240);

    public PhotoFormatTests(PipelineStack stack) => _stack = stack;

    private Dictionary<string, (byte[] Body, Mat Reference)> Photos()
    {
        using var reference = EncodedPhotos.ReferenceGray(_source);
        var p3 = EncodedPhotos.Jpgicc(EncodedPhotos.Jpeg(_source), EncodedPhotos.DisplayP3);
        var cmyk = EncodedPhotos.Jpgicc(EncodedPhotos.Jpeg(_source), EncodedPhotos.PressCmyk);
        return new()
        {
            ["IMG_0001.HEIC"] = (EncodedPhotos.Heic(_source), reference.Clone()),
            ["sticker.avif"] = (EncodedPhotos.Avif(_source), reference.Clone()),
            ["scan.jxl"] = (EncodedPhotos.Jxl(_source), reference.Clone()),
            ["iphone p3.jpg"] = (p3, EncodedPhotos.ReferenceGray(p3)),
            ["print cmyk.jpg"] = (cmyk, EncodedPhotos.ReferenceGray(cmyk)),
        };
    }

    [Fact]
    public async Task A_folder_of_heic_avif_jpeg_xl_p3_and_cmyk_photos_copied_with_the_cli_comes_out_as_gray_jpegs()
    {
        var photos = Photos();
        foreach (var (name, (body, _)) in photos)
            await File.WriteAllBytesAsync(Path.Combine(_dir, name), body);
        var prefix = $"photos-{Guid.NewGuid():N}/";

        await _stack.AwsAsync("s3", "cp", _dir, $"s3://{_stack.InputBucket}/{prefix}", "--recursive", "--only-show-errors");
        await _stack.WaitForOutputsAsync(prefix, [.. photos.Keys.Select(k => prefix + k)], TimeSpan.FromMinutes(3));

        Assert.Equal(photos.Keys.Select(k => prefix + k).Order(StringComparer.Ordinal), (await _stack.KeysAsync(_stack.OutputBucket, prefix)).Order(StringComparer.Ordinal));
        foreach (var (name, (_, reference)) in photos)
        {
            var (bytes, response) = await _stack.GetAsync(_stack.OutputBucket, prefix + name);
            Assert.Equal("image/jpeg", response.Headers.ContentType);
            Assert.Equal(ImageFormat.Jpeg, ImageInspector.Inspect(bytes).Format);
            using var gray = PixelAssert.IsGray(bytes);
            PixelAssert.Near(reference, gray, CodingNoise);
            reference.Dispose();
        }
    }

    [Fact]
    public async Task Curl_posting_a_heic_or_a_p3_jpeg_gets_the_gray_a_colour_managed_viewer_shows()
    {
        foreach (var (name, (body, reference)) in Photos().Where(p => p.Key is "IMG_0001.HEIC" or "iphone p3.jpg"))
        {
            await File.WriteAllBytesAsync(Path.Combine(_dir, "in"), body);

            var curl = await Tools.RunAsync("curl", ["-sS", "-X", "POST", "--data-binary", "@in", _stack.ApiUrl.ToString(), "-o", "out", "-D", "headers", "-w", "%{http_code} %{content_type}"], workingDirectory: _dir);

            Assert.Equal(0, curl.ExitCode);
            Assert.Equal("200 image/jpeg", curl.Stdout);
            var headers = await File.ReadAllTextAsync(Path.Combine(_dir, "headers"));
            Assert.Contains($"X-Image-Input-Format: {(name.EndsWith(".HEIC", StringComparison.Ordinal) ? "HEIC" : "JPEG")}", headers, StringComparison.OrdinalIgnoreCase);
            using var gray = PixelAssert.IsGray(await File.ReadAllBytesAsync(Path.Combine(_dir, "out")));
            PixelAssert.Near(reference, gray, CodingNoise);
            reference.Dispose();
        }
    }

    [Fact]
    public async Task A_heic_asked_for_as_png_comes_back_as_png()
    {
        using var content = new ByteArrayContent(EncodedPhotos.Heic(_source));
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(_stack.ApiUrl, "?format=png"), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        using var gray = PixelAssert.IsGray(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(new Size(320, 240), gray.Size());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
