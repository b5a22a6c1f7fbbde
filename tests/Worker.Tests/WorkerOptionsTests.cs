using Pipeline.Worker;

namespace Pipeline.Tests.Worker;

public class WorkerOptionsTests
{
    private static Func<string, string?> Variables(string? quality) => name => name switch
    {
        "PIPELINE_INPUT_BUCKET" => "pipeline-input",
        "PIPELINE_OUTPUT_BUCKET" => "pipeline-output",
        "PIPELINE_QUALITY" => quality,
        _ => null,
    };

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Pipeline_quality_unset_names_no_quality(string? value)
    {
        Assert.Null(WorkerOptions.FromEnvironment(Variables(value)).Quality);
    }

    [Fact]
    public void Pipeline_quality_set_is_the_quality()
    {
        Assert.Equal(75, WorkerOptions.FromEnvironment(Variables("75")).Quality);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("high")]
    public void Pipeline_quality_out_of_range_or_not_a_number_refuses_to_start(string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() => WorkerOptions.FromEnvironment(Variables(value)));
        Assert.Contains("PIPELINE_QUALITY", e.Message, StringComparison.Ordinal);
    }
}
