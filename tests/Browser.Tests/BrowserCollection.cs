namespace Pipeline.Tests.Browser;

/// <summary>The tests that share one <see cref="BrowserStack"/> and run one after another.</summary>
[CollectionDefinition("browser")]
public sealed class BrowserCollection : ICollectionFixture<BrowserStack>;
