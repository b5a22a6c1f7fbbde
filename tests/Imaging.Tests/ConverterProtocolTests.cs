using Pipeline.Imaging;
using Pipeline.Imaging.Isolation;

namespace Pipeline.Tests.Imaging;

/// <summary>What crosses the pipe to a converter process is the whole request: no fact of the inspection is lost.</summary>
public class ConverterProtocolTests
{
    [Fact]
    public void A_request_read_back_holds_every_fact_of_the_inspection_the_output_and_the_quality()
    {
        var info = new ImageInfo(ImageFormat.Jpeg, 4000, 3000, HasAlpha: true, Channels: 4, SixteenBit: true, Progressive: true)
        {
            Orientation = 6,
            Components = 3,
            StoredSamplesPerPixel = 1.5,
            LumaTranscodable = true,
            ColourTagged = true,
            Lossless = true,
        };
        byte[] image = [1, 2, 3, 4, 5];
        var request = new ConversionRequest(image, info, ImageFormat.WebP, Quality: 77);
        using var pipe = new MemoryStream();

        ConverterProtocol.WriteRequest(pipe, request);
        pipe.Position = 0;
        var buffer = Array.Empty<byte>();
        Assert.True(ConverterProtocol.TryReadRequest(pipe, ref buffer, out var read));

        // Every property, so that one added to ImageInfo and not carried fails here.
        foreach (var property in typeof(ImageInfo).GetProperties())
            Assert.True(Equals(property.GetValue(info), property.GetValue(read.Info)), $"{property.Name}: {property.GetValue(read.Info)}, sent {property.GetValue(info)}");
        Assert.Equal((ImageFormat.WebP, (int?)77), (read.Output, read.Quality));
        Assert.Equal(image, read.Input.ToArray());
        Assert.False(ConverterProtocol.TryReadRequest(pipe, ref buffer, out _)); // the end of the stream
    }

    [Fact]
    public void With_no_quality_named_none_is_read_back()
    {
        var info = new ImageInfo(ImageFormat.Png, 8, 8, HasAlpha: false, Channels: 1);
        using var pipe = new MemoryStream();

        ConverterProtocol.WriteRequest(pipe, new ConversionRequest(new byte[3], info, ImageFormat.Png, null));
        pipe.Position = 0;
        var buffer = Array.Empty<byte>();
        Assert.True(ConverterProtocol.TryReadRequest(pipe, ref buffer, out var read));

        Assert.Null(read.Quality);
        Assert.Equal(1, read.Info.Orientation);
    }
}
