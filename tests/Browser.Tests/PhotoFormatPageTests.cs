using Microsoft.Playwright;
using OpenCvSharp;

namespace Pipeline.Tests.Browser;

/// <summary>
/// The page takes the photos phones make: a HEIC and an AVIF picked (the picker offers them) come
/// back inline as gray JPEGs; a HEIC over the inline limit goes through a presigned upload
/// declared as a HEIF type and the worker.
/// </summary>
[Collection("browser")]
public sealed class PhotoFormatPageTests(BrowserStack browser)
{
    [Fact]
    public async Task A_heic_and_an_avif_picked_come_back_as_gray_jpegs_and_a_large_heic_goes_through_an_upload()
    {
        await using var session = await browser.OpenAsync();
        var png = TestImages.Png(320, 240);
        using var noise = new Mat(1500, 2000, MatType.CV_8UC3);
        Cv2.Randu(noise, Scalar.All(0), Scalar.All(256));
        var large = EncodedPhotos.Heic(TestImages.Encode(noise, ".png"), "-q", "95");
        Assert.True(large.Length > 4 * 1024 * 1024, $"the large HEIC is only {large.Length} bytes");
        var accept = await session.Page.GetByTestId("file-input").GetAttributeAsync("accept");

        await session.ChooseAsync(session.Write(("IMG_0001.heic", EncodedPhotos.Heic(png)), ("sticker.avif", EncodedPhotos.Avif(png)), ("IMG_0002.heic", large)));

        Assert.Contains(".heic", accept!.Split(','));
        Assert.Contains("image/avif", accept.Split(','));
        Assert.Equal(["result", "result", "result"], await session.SettleAsync(3));
        foreach (var (input, name, size) in new[] { ("IMG_0001.heic", "IMG_0001_bw.jpg", new Size(320, 240)), ("sticker.avif", "sticker_bw.jpg", new Size(320, 240)), ("IMG_0002.heic", "IMG_0002_bw.jpg", new Size(2000, 1500)) })
        {
            var item = session.Page.GetByTestId("result").Filter(new LocatorFilterOptions { Has = session.Page.Locator(".name", new PageLocatorOptions { HasTextString = input }) });
            var path = await session.DownloadAsync(item.GetByTestId("download"));
            Assert.Equal(name, Path.GetFileName(path));
            using var gray = PixelAssert.IsGray(await File.ReadAllBytesAsync(path));
            Assert.Equal(size, gray.Size());
        }
        var put = Assert.Single(session.Requests, r => r.Method == "PUT");
        Assert.Contains((await put.AllHeadersAsync())["content-type"], new[] { "image/heic", "image/heif" }); // Chromium's type for .heic is image/heif
    }
}
