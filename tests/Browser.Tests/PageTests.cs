using System.IO.Compression;
using Microsoft.Playwright;
using OpenCvSharp;
using Xunit.Abstractions;

namespace Pipeline.Tests.Browser;

/// <summary>
/// The web page in headless Chromium against the local stack, used as a person would: photos
/// picked, dropped or pasted; results checked by reading the files the browser downloads.
/// </summary>
[Collection("browser")]
public sealed class PageTests
{
    private readonly BrowserStack _browser;
    private readonly ITestOutputHelper _output;

    public PageTests(BrowserStack browser, ITestOutputHelper output)
    {
        _browser = browser;
        _output = output;
    }

    private PipelineStack Stack => _browser.Stack;

    [Fact]
    public async Task A_small_jpeg_and_a_png_are_converted_inline_and_download_gray_at_their_size()
    {
        await using var session = await _browser.OpenAsync();
        var jpeg = TestImages.Jpeg(640, 480);
        var png = TestImages.Png(300, 200);

        await session.ChooseAsync(session.Write(("photo.jpg", jpeg), ("drawing.png", png)));

        Assert.Equal(["result", "result"], await session.SettleAsync(2));
        using (var gray = await DownloadGrayAsync(session, "photo.jpg", "photo_bw.jpg"))
        {
            // No quality chosen: the service keeps the JPEG's own luma, exactly.
            using var luma = Cv2.ImDecode(jpeg, ImreadModes.Grayscale);
            using var difference = new Mat();
            Cv2.Absdiff(luma, gray, difference);
            Assert.Equal(0, Cv2.CountNonZero(difference));
        }
        using (var gray = await DownloadGrayAsync(session, "drawing.png", "drawing_bw.png"))
            PixelAssert.LumaMatches(png, gray, maxMeanError: 1);
        var posts = session.Requests.Where(r => r.Method == "POST").Select(r => new Uri(r.Url)).ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, u => Assert.Equal("/", u.PathAndQuery));
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task A_photo_over_the_inline_limit_goes_through_a_presigned_upload_and_its_job()
    {
        await using var session = await _browser.OpenAsync();
        var photo = TestImages.NoisyJpeg(2400, 1800);
        Assert.True(photo.Length > 4 * 1024 * 1024, $"test photo is only {photo.Length} bytes");

        await session.ChooseAsync(session.Write(("big.jpg", photo)));

        Assert.Equal(["result"], await session.SettleAsync(1));
        using (var gray = await DownloadGrayAsync(session, "big.jpg", "big_bw.jpg"))
            PixelAssert.LumaMatches(photo, gray, maxMeanError: 5);
        var requests = session.Requests;
        Assert.DoesNotContain(requests, r => r.Method == "POST" && new Uri(r.Url).AbsolutePath == "/");
        var created = Assert.Single(requests, r => r.Method == "POST" && new Uri(r.Url).AbsolutePath == "/uploads");
        var put = Assert.Single(requests, r => r.Method == "PUT");
        Assert.StartsWith(Stack.Endpoint + "/", put.Url, StringComparison.Ordinal);
        // Exactly the headers the ticket lists, Content-Length among them (the browser sets that one itself).
        var ticket = (await (await created.ResponseAsync())!.JsonAsync())!.Value.GetProperty("upload");
        Assert.Equal(ticket.GetProperty("url").GetString(), put.Url);
        var sent = await put.AllHeadersAsync();
        foreach (var header in ticket.GetProperty("headers").EnumerateObject())
            Assert.Equal(header.Value.GetString(), sent.GetValueOrDefault(header.Name.ToLowerInvariant()));
        Assert.Equal("image/jpeg", sent["content-type"]);
        Assert.Contains(requests, r => r.Method == "GET" && new Uri(r.Url).AbsolutePath.StartsWith("/jobs/", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.Method == "GET" && r.Url.StartsWith(Stack.Endpoint + "/", StringComparison.Ordinal));
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task A_text_file_a_truncated_jpeg_and_a_pixel_bomb_show_the_services_errors_in_plain_words()
    {
        await using var session = await _browser.OpenAsync();
        var jpeg = TestImages.Jpeg(320, 240);

        await session.ChooseAsync(session.Write(
            ("notes.txt", "a shopping list, not a photo"u8.ToArray()),
            ("broken.jpg", jpeg[..(jpeg.Length / 2)]),
            ("huge.jpg", HostileCorpus.Get("jpeg-sof-30000x30000").Body)));

        Assert.Equal(["error", "error", "error"], await session.SettleAsync(3));
        await AssertErrorAsync(session, "notes.txt", "unsupported_media_type", "not a photo the service can read");
        await AssertErrorAsync(session, "broken.jpg", "corrupt_image", "damaged or incomplete");
        await AssertErrorAsync(session, "huge.jpg", "too_many_pixels", "too many pixels");
        Assert.Empty(await session.Page.GetByTestId("result").AllAsync());
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task A_batch_of_ten_converts_and_downloads_as_one_zip()
    {
        await using var session = await _browser.OpenAsync();
        var photos = Enumerable.Range(0, 10)
            .Select(i => (Name: $"photo-{i}.jpg", Size: new Size(200 + 40 * i, 150 + 20 * i)))
            .ToList();

        await session.ChooseAsync(session.Write([.. photos.Select((p, i) => (p.Name, TestImages.Jpeg(p.Size.Width, p.Size.Height, seed: i)))]));

        Assert.All(await session.SettleAsync(10), id => Assert.Equal("result", id));
        var archive = await session.DownloadAsync(session.Page.GetByTestId("download-all"));
        Assert.Equal("grayscale.zip", Path.GetFileName(archive));
        using var zip = ZipFile.OpenRead(archive);
        Assert.Equal(photos.Select(p => p.Name.Replace(".jpg", "_bw.jpg", StringComparison.Ordinal)).Order(), zip.Entries.Select(e => e.FullName).Order());
        foreach (var (name, size) in photos)
        {
            var entry = zip.GetEntry(name.Replace(".jpg", "_bw.jpg", StringComparison.Ordinal))!;
            using var stream = entry.Open();
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes); // a CRC mismatch would throw here
            using var gray = PixelAssert.IsGray(bytes.ToArray());
            Assert.Equal(size, gray.Size());
        }
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task Download_all_writes_base_names_with_no_separators_controls_or_bidi_characters()
    {
        await using var session = await _browser.OpenAsync();
        string[] names =
        [
            @"..\..\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\run.jpg",
            "../../.ssh/authorized_keys.jpg",
            "invoice\u202Egpj.exe",
            "tab\tbell\u0007nul\u0000\u2067isolate\u2069.jpg",
            "con:stream?.jpg",
        ];
        string[] expected = ["run_bw.jpg", "authorized_keys_bw.jpg", "invoicegpj_bw.jpg", "tabbellnulisolate_bw.jpg", "con_stream__bw.jpg"];

        // Files as a drop delivers them, with exactly these names (a file chooser would refuse some).
        await session.Page.EvaluateAsync(
            """
            ([jpeg, names]) => {
              const bytes = Uint8Array.from(atob(jpeg), c => c.charCodeAt(0));
              const drop = new DataTransfer();
              for (const name of names) drop.items.add(new File([bytes], name, { type: "image/jpeg" }));
              document.querySelector("#drop").dispatchEvent(new DragEvent("drop", { dataTransfer: drop, bubbles: true, cancelable: true }));
            }
            """,
            new object[] { Convert.ToBase64String(TestImages.Jpeg(160, 120)), names });

        Assert.All(await session.SettleAsync(names.Length), id => Assert.Equal("result", id));
        var links = await session.Page.GetByTestId("download").EvaluateAllAsync<string[]>("links => links.map(a => a.download)");
        Assert.Equal(expected, links);
        var archive = await session.DownloadAsync(session.Page.GetByTestId("download-all"));
        using var zip = ZipFile.OpenRead(archive);
        Assert.Equal(expected.Order(), zip.Entries.Select(e => e.FullName).Order());
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task The_chosen_format_and_quality_are_what_the_service_is_asked_for()
    {
        await using var session = await _browser.OpenAsync();
        await session.Page.GetByLabel("Format").SelectOptionAsync("webp");
        await session.Page.GetByLabel("Choose a quality").CheckAsync();
        await session.Page.Locator("#quality").FillAsync("50");

        await session.ChooseAsync(session.Write(("photo.jpg", TestImages.Jpeg(400, 300))));

        Assert.Equal(["result"], await session.SettleAsync(1));
        var path = await session.DownloadAsync(session.Page.GetByTestId("download"));
        Assert.Equal("photo_bw.webp", Path.GetFileName(path));
        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal("WEBP"u8.ToArray(), bytes[8..12]);
        using var gray = PixelAssert.IsGray(bytes, tolerance: 1);
        Assert.Equal(new Size(400, 300), gray.Size());
        var post = Assert.Single(session.Requests, r => r.Method == "POST");
        Assert.Equal("/?format=webp&quality=50", new Uri(post.Url).PathAndQuery);
    }

    [Fact]
    public async Task Dropped_and_pasted_photos_are_converted_too()
    {
        await using var session = await _browser.OpenAsync();
        var dropped = TestImages.Jpeg(320, 200);
        var pasted = TestImages.Png(120, 90);

        await session.Page.EvaluateAsync(
            """
            ([dropped, pasted]) => {
              const file = (base64, name, type) => new File([Uint8Array.from(atob(base64), c => c.charCodeAt(0))], name, { type });
              const drop = new DataTransfer();
              drop.items.add(file(dropped, "dropped.jpg", "image/jpeg"));
              document.querySelector("#drop").dispatchEvent(new DragEvent("drop", { dataTransfer: drop, bubbles: true, cancelable: true }));
              const clipboard = new DataTransfer();
              clipboard.items.add(file(pasted, "image.png", "image/png"));
              document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
            }
            """,
            new[] { Convert.ToBase64String(dropped), Convert.ToBase64String(pasted) });

        Assert.Equal(["result", "result"], await session.SettleAsync(2));
        using (var gray = await DownloadGrayAsync(session, "dropped.jpg", "dropped_bw.jpg"))
            Assert.Equal(new Size(320, 200), gray.Size());
        using (var gray = await DownloadGrayAsync(session, "pasted-1.png", "pasted-1_bw.png"))
            Assert.Equal(new Size(120, 90), gray.Size());
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task Where_an_api_key_is_required_the_page_asks_once_and_sends_it_only_as_a_header()
    {
        const string key = "browser-test-key-0123456789";
        var (api, url) = await Stack.StartApiAsync(new Dictionary<string, string> { ["PIPELINE_API_KEY"] = key });
        using (api)
        {
            await using var session = await _browser.OpenAsync(url);
            var dialog = session.Page.Locator("#key-dialog");

            await session.ChooseAsync(session.Write(("one.jpg", TestImages.Jpeg(100, 80)), ("two.jpg", TestImages.Jpeg(120, 90))));
            await Assertions.Expect(dialog).ToBeVisibleAsync();
            await session.Page.GetByLabel("Key", new PageGetByLabelOptions { Exact = true }).FillAsync(key);
            await session.Page.Keyboard.PressAsync("Enter");
            Assert.Equal(["result", "result"], await session.SettleAsync(2));
            await session.ChooseAsync(session.Write(("three.jpg", TestImages.Jpeg(140, 100))));
            Assert.Equal(["result", "result", "result"], await session.SettleAsync(3));
            // A photo for the upload flow: its job belongs to the key, which reads it back.
            await session.ChooseAsync(session.Write(("big.jpg", TestImages.NoisyJpeg(2400, 1800))));
            Assert.Equal(["result", "result", "result", "result"], await session.SettleAsync(4));

            await Assertions.Expect(dialog).Not.ToBeVisibleAsync();
            Assert.Equal(key, await session.Page.EvaluateAsync<string>("() => sessionStorage.getItem('pipeline.apiKey')"));
            var posts = session.Requests.Where(r => r.Method == "POST" && new Uri(r.Url).AbsolutePath == "/").ToList();
            Assert.Equal(5, posts.Count); // two refused without a key, then three with it: the dialog came once
            Assert.Equal(3, (await Task.WhenAll(posts.Select(r => r.AllHeadersAsync()))).Count(h => h.GetValueOrDefault("x-api-key") == key));
            var job = session.Requests.Where(r => new Uri(r.Url).AbsolutePath is "/uploads" || new Uri(r.Url).AbsolutePath.StartsWith("/jobs/", StringComparison.Ordinal)).ToList();
            Assert.Contains(job, r => r.Method == "GET");
            Assert.All(await Task.WhenAll(job.Select(r => r.AllHeadersAsync())), h => Assert.Equal(key, h.GetValueOrDefault("x-api-key")));
            var upload = Assert.Single(session.Requests, r => r.Method == "PUT");
            Assert.Contains("/uploads/key-local/", upload.Url, StringComparison.Ordinal);
            Assert.All(session.Requests, r => Assert.DoesNotContain(key, r.Url, StringComparison.Ordinal));
            Assert.DoesNotContain(key, api.Tail(500), StringComparison.Ordinal);
            Assert.Empty(session.Problems);
        }
    }

    [Fact]
    public async Task At_phone_width_everything_fits_and_every_control_has_a_label_and_a_keyboard_path()
    {
        await using var session = await _browser.OpenAsync(viewport: new ViewportSize { Width = 360, Height = 740 });
        await session.ChooseAsync(session.Write(("photo.jpg", TestImages.Jpeg(1600, 1200))));
        Assert.Equal(["result"], await session.SettleAsync(1));

        var overflow = await session.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than a 360px screen");
        var unlabelled = await session.Page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll("input, select, button, a[href]")]
              .filter(e => !(e.labels?.length || e.getAttribute("aria-label") || e.textContent.trim()))
              .map(e => e.outerHTML)
            """);
        Assert.Empty(unlabelled);

        // Tab reaches the file input, the comparison slider moves with arrow keys, the download link takes Enter.
        var reached = new List<string>();
        for (int i = 0; i < 12; i++)
        {
            await session.Page.Keyboard.PressAsync("Tab");
            reached.Add(await session.Page.EvaluateAsync<string>("() => document.activeElement.id || document.activeElement.className || document.activeElement.tagName"));
        }
        Assert.Contains("file-input", reached);
        var slider = session.Page.Locator(".compare input[type=range]");
        await slider.FocusAsync();
        await session.Page.Keyboard.PressAsync("ArrowRight");
        Assert.Equal("51", await slider.InputValueAsync());
        await session.Page.GetByTestId("download").FocusAsync();
        var download = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Keyboard.PressAsync("Enter"));
        Assert.Equal("photo_bw.jpg", download.SuggestedFilename);
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task A_first_visit_transfers_under_48_KB_and_a_second_visit_only_revalidates_the_page()
    {
        const string transferred = "() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map(e => [e.name, e.transferSize])";
        await using var session = await _browser.OpenAsync();
        // The browser asks for the icon after the page has loaded: wait for it to arrive.
        await session.Page.WaitForFunctionAsync("() => performance.getEntriesByType('resource').some(e => e.name.includes('/assets/icon.svg') && e.responseEnd > 0)", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
        var first = await session.Page.EvaluateAsync<object[][]>(transferred);
        await session.Page.GotoAsync(Stack.ApiUrl.ToString());
        var second = await session.Page.EvaluateAsync<object[][]>(transferred);

        var firstBytes = first.Sum(e => Convert.ToInt64(e[1], System.Globalization.CultureInfo.InvariantCulture));
        var secondBytes = second.Sum(e => Convert.ToInt64(e[1], System.Globalization.CultureInfo.InvariantCulture));
        _output.WriteLine($"first visit: {firstBytes} bytes in {first.Length} responses ({string.Join(", ", first.Select(e => $"{new Uri((string)e[0]).AbsolutePath} {e[1]}"))}); second visit: {secondBytes} bytes");
        Assert.Equal(["/", "/assets/app.css", "/assets/app.js", "/assets/icon.svg"], first.Select(e => new Uri((string)e[0]).AbsolutePath).Order());
        Assert.True(firstBytes is > 0 and < 48 * 1024, $"first visit transferred {firstBytes} bytes");
        Assert.True(secondBytes < 1024, $"second visit transferred {secondBytes} bytes: the assets should come from the cache and the page be a 304");
        Assert.Empty(session.Problems);
    }

    [Fact]
    public async Task Screenshot_of_a_before_and_after_comparison()
    {
        await using var session = await _browser.OpenAsync(viewport: new ViewportSize { Width = 1100, Height = 760 });
        await session.ChooseAsync(
            Path.Combine(Artifacts.RepoRoot, "kitty.jpg"),
            Path.Combine(Artifacts.RepoRoot, "samples", "photos", "coffee.jpg"));
        Assert.Equal(["result", "result"], await session.SettleAsync(2));
        await session.ChooseAsync(session.Write(("notes.txt", "not a photo"u8.ToArray())));
        Assert.Equal(["result", "result", "error"], await session.SettleAsync(3));
        await session.Page.Locator(".compare input[type=range]").First.FillAsync("45");
        await session.Page.EvaluateAsync("() => document.activeElement.blur()");

        var path = Path.Combine(Artifacts.RepoRoot, "artifacts", "browser", "page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await session.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });

        using var shot = Cv2.ImRead(path, ImreadModes.Color);
        Assert.Equal(1100, shot.Width);
        Assert.True(shot.Height >= 760);
        Assert.Empty(session.Problems);
    }

    /// <summary>The finished item of <paramref name="input"/>: downloads its result, asserts its name, and returns it decoded as gray.</summary>
    private static async Task<Mat> DownloadGrayAsync(PageSession session, string input, string expectedName)
    {
        var item = session.Page.GetByTestId("result").Filter(new LocatorFilterOptions { Has = session.Page.Locator(".name", new PageLocatorOptions { HasTextString = input }) });
        await Assertions.Expect(item.Locator("img[data-testid=result-image]")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
        var path = await session.DownloadAsync(item.GetByTestId("download"));
        Assert.Equal(expectedName, Path.GetFileName(path));
        return PixelAssert.IsGray(await File.ReadAllBytesAsync(path));
    }

    private static async Task AssertErrorAsync(PageSession session, string input, string code, string plainWords)
    {
        var item = session.Page.GetByTestId("error").Filter(new LocatorFilterOptions { Has = session.Page.Locator(".name", new PageLocatorOptions { HasTextString = input }) });
        Assert.Equal(code, await item.GetAttributeAsync("data-code"));
        var text = await item.InnerTextAsync();
        Assert.Contains(plainWords, text, StringComparison.Ordinal);
        Assert.Contains("Failed", text, StringComparison.Ordinal);
        Assert.False(await item.GetByTestId("download").IsVisibleAsync(), $"{input} failed but offers a download");
        Assert.False(await item.Locator(".compare").IsVisibleAsync(), $"{input} failed but shows a comparison");
    }
}
