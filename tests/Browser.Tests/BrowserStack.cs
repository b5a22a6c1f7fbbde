using Microsoft.Playwright;

namespace Pipeline.Tests.Browser;

/// <summary>
/// The local stack (<see cref="PipelineStack"/>: moto, the API and the worker on free ports) and
/// one headless Chromium driven by Playwright. The browser is Debian's (scripts/setup.sh installs
/// it); Playwright's own browser download is never used. Chromium gets a fresh profile of its
/// own and no background networking, so it talks only to the stack.
/// </summary>
public sealed class BrowserStack : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package puts the browser.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    /// <summary>The local stack the page is served from.</summary>
    public PipelineStack Stack { get; } = new();

    /// <summary>The browser every test opens its own context in.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: scripts/setup.sh installs Debian's chromium package.");
        await Stack.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        });
    }

    /// <summary>A fresh browser context (its own storage, as a new tab of a new person) on <paramref name="site"/>, the stack's API by default.</summary>
    public async Task<PageSession> OpenAsync(Uri? site = null, ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
        });
        return await PageSession.OpenAsync(context, site ?? Stack.ApiUrl, Stack);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Stack.DisposeAsync();
    }
}
