namespace Pipeline.Tests.EndToEnd;

/// <summary>The tests that share one <see cref="PipelineStack"/> and run one after another.</summary>
[CollectionDefinition("stack")]
public sealed class StackCollection : ICollectionFixture<PipelineStack>;
