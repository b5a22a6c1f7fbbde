using OpenCvSharp;

namespace Pipeline.Tests.Cli;

/// <summary>`pipeline convert` over a folder of HEIC, AVIF and JPEG XL photos (from the real encoders): each comes back as a gray JPEG under its own name.</summary>
[Collection("cli")]
public sealed class PhotoFormatConvertTests(CliStack stack) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-photos-").FullName;

    [Fact]
    public async Task A_folder_of_heic_avif_and_jpeg_xl_photos_comes_back_gray()
    {
        var png = TestImages.Png(200, 150);
        var folder = Directory.CreateDirectory(Path.Combine(_dir, $"phone {Guid.NewGuid():N}")).FullName;
        var photos = new Dictionary<string, byte[]>
        {
            ["IMG_0001.HEIC"] = EncodedPhotos.Heic(png),
            ["sticker.avif"] = EncodedPhotos.Avif(png),
            ["scan.jxl"] = EncodedPhotos.Jxl(png),
        };
        foreach (var (name, bytes) in photos)
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        var outFolder = Path.Combine(_dir, "out");

        var run = await stack.RunAsync("convert", folder, outFolder);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var (converted, failed, _) = CliStack.Summary(run.Stdout);
        Assert.Equal((3, 0), (converted, failed));
        foreach (var name in photos.Keys)
        {
            var bytes = File.ReadAllBytes(Path.Combine(outFolder, name));
            Assert.Equal([0xFF, 0xD8, 0xFF], bytes[..3]); // a JPEG, under the photo's own name
            using var gray = PixelAssert.IsGray(bytes);
            Assert.Equal(new Size(200, 150), gray.Size());
            PixelAssert.LumaMatches(png, gray, maxMeanError: 3.0);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
