using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Tests;

/// <summary>
/// Writes HEIF files from coded images taken out of real encoders' output (heif-enc, avifenc):
/// what those encoders do not write here but phones do, a grid of tiles and a rotation or
/// mirror, and what hostile files do: a size property that lies, a grid of thousands of tiles.
/// The layout is libheif's own: ftyp, meta (hdlr, pitm, iloc, iinf, iref, iprp, idat), mdat.
/// </summary>
public static class HeifFiles
{
    /// <summary>One coded image: its coding ("hvc1" or "av01"), its configuration box (whole), size and data.</summary>
    public sealed record CodedImage(string Coding, byte[] Configuration, int Width, int Height, byte[] Data);

    /// <summary>What to write around the coded images.</summary>
    public sealed record Layout
    {
        /// <summary>Grid rows and columns; (1, 1) writes the single image itself.</summary>
        public (int Rows, int Columns) Grid { get; init; } = (1, 1);
        /// <summary>The output size of a grid (or the size property of a single image); null: the tiles' total.</summary>
        public (int Width, int Height)? Size { get; init; }
        /// <summary>irot: quarter turns anticlockwise (0 writes none).</summary>
        public int QuarterTurns { get; init; }
        /// <summary>imir: 0 top-to-bottom, 1 left-to-right; null writes none.</summary>
        public int? Mirror { get; init; }
        /// <summary>An ICC profile for a colr prof box.</summary>
        public byte[]? Icc { get; init; }
        /// <summary>H.273 primaries and transfer for a colr nclx box (matrix 6 and full range, as heif-enc codes).</summary>
        public (int Primaries, int Transfer)? Nclx { get; init; }
    }

    /// <summary>The primary image of a single-image file written by heif-enc or avifenc.</summary>
    public static CodedImage Primary(byte[] heif)
    {
        byte[]? configuration = null;
        int width = 0, height = 0;
        (long Offset, long Length) extent = default;
        string coding = "";
        foreach (var (type, payload, _) in Boxes(heif, 0, heif.Length))
        {
            if (type != "meta")
                continue;
            foreach (var (child, body, start) in Boxes(heif, payload + 4, payload + 4 + BoxLength(heif, payload - 8) - 12))
            {
                if (child == "iinf")
                {
                    foreach (var (infe, entry, _) in Boxes(heif, body + 6, body + BoxLength(heif, body - 8) - 8))
                        coding = infe == "infe" && coding == "" ? Encoding.ASCII.GetString(heif, entry + 8, 4) : coding;
                }
                else if (child == "iloc")
                {
                    extent = FirstExtent(heif, body);
                }
                else if (child == "iprp")
                {
                    foreach (var (container, properties, _) in Boxes(heif, body, body + BoxLength(heif, body - 8) - 8))
                    {
                        if (container != "ipco")
                            continue;
                        foreach (var (property, content, whole) in Boxes(heif, properties, properties + BoxLength(heif, properties - 8) - 8))
                        {
                            if (property is "hvcC" or "av1C" && configuration is null)
                                configuration = heif[whole..(whole + BoxLength(heif, whole))];
                            if (property == "ispe" && width == 0)
                                (width, height) = ((int)BinaryPrimitives.ReadUInt32BigEndian(heif.AsSpan(content + 4)), (int)BinaryPrimitives.ReadUInt32BigEndian(heif.AsSpan(content + 8)));
                        }
                    }
                }
                _ = start;
            }
        }
        return new CodedImage(coding, configuration ?? throw new InvalidDataException("no decoder configuration"), width, height,
            heif[(int)extent.Offset..(int)(extent.Offset + extent.Length)]);
    }

    /// <summary>A HEIF of <paramref name="tiles"/> (row by row) laid out as <paramref name="layout"/> says.</summary>
    public static byte[] Write(IReadOnlyList<CodedImage> tiles, Layout layout)
    {
        bool grid = layout.Grid != (1, 1);
        var coding = tiles[0].Coding;
        var (width, height) = layout.Size ?? (grid ? (tiles[0].Width * layout.Grid.Columns, tiles[0].Height * layout.Grid.Rows) : (tiles[0].Width, tiles[0].Height));
        uint primary = 1;
        // Items: 1 the grid (or the single image), then one per tile.
        var items = new List<(uint Id, string Type, bool Hidden)> { (1, grid ? "grid" : coding, false) };
        if (grid)
        {
            for (int i = 0; i < tiles.Count; i++)
                items.Add(((uint)(2 + i), coding, true));
        }

        // Properties (1-based): config, tile ispe, primary ispe, then irot, imir, colr.
        var properties = new List<byte[]> { tiles[0].Configuration, Box("ispe", [0, 0, 0, 0, .. U32(tiles[0].Width), .. U32(tiles[0].Height)]) };
        properties.Add(Box("ispe", [0, 0, 0, 0, .. U32(width), .. U32(height)]));
        // The grid gets its output size; a single image its decoder configuration (essential) and size.
        List<byte> primaryProperties = grid ? [3] : [0x81, 3];
        if (layout.QuarterTurns != 0)
        {
            properties.Add(Box("irot", [(byte)(layout.QuarterTurns & 3)]));
            primaryProperties.Add((byte)(0x80 | properties.Count));
        }
        if (layout.Mirror is { } axis)
        {
            properties.Add(Box("imir", [(byte)axis]));
            primaryProperties.Add((byte)(0x80 | properties.Count));
        }
        if (layout.Icc is { } icc)
        {
            properties.Add(Box("colr", [.. "prof"u8, .. icc]));
            primaryProperties.Add((byte)properties.Count);
        }

        if (layout.Nclx is { } nclx)
        {
            properties.Add(Box("colr", [.. "nclx"u8, .. U16(nclx.Primaries), .. U16(nclx.Transfer), .. U16(6), 0x80]));
            primaryProperties.Add((byte)properties.Count);
        }

        List<byte> ipma = [0, 0, 0, 0, .. U32(items.Count)];
        foreach (var (id, _, _) in items)
        {
            var associated = id == primary ? primaryProperties : [0x81, 2];
            ipma.AddRange([.. U16((int)id), (byte)associated.Count, .. associated]);
        }
        var iprp = Box("iprp", [.. Box("ipco", [.. properties.SelectMany(p => p)]), .. Box("ipma", [.. ipma])]);

        List<byte> iinf = [0, 0, 0, 0, .. U16(items.Count)];
        foreach (var (id, type, hidden) in items)
            iinf.AddRange(Box("infe", [2, 0, 0, (byte)(hidden ? 1 : 0), .. U16((int)id), 0, 0, .. Encoding.ASCII.GetBytes(type), 0]));

        byte[] gridData = grid ? [0, 1, (byte)(layout.Grid.Rows - 1), (byte)(layout.Grid.Columns - 1), .. U32(width), .. U32(height)] : [];
        var iref = grid ? Box("iref", [0, 0, 0, 0, .. Box("dimg", [.. U16(1), .. U16(tiles.Count), .. Enumerable.Range(0, tiles.Count).SelectMany(i => U16(2 + i))])]) : [];
        var idat = grid ? Box("idat", gridData) : [];

        // The coded data, each distinct array once (tiles repeating one image share its bytes, as a file may).
        var stored = (grid ? tiles : tiles.Take(1)).Select(t => t.Data).Distinct(ReferenceEqualityComparer.Instance).Cast<byte[]>().ToList();

        // iloc (version 1: construction methods; 4-byte offsets and lengths): the offsets are only known once meta's size is.
        byte[] Iloc(long mdatData)
        {
            List<byte> iloc = [1, 0, 0, 0, 0x44, 0x00, .. U16(items.Count)];
            foreach (var (id, _, _) in items)
            {
                bool description = grid && id == 1;
                var data = description ? gridData : tiles[grid ? (int)id - 2 : 0].Data;
                long offset = description ? 0 : mdatData + stored.TakeWhile(d => !ReferenceEquals(d, data)).Sum(d => (long)d.Length);
                iloc.AddRange([.. U16((int)id), 0, (byte)(description ? 1 : 0), 0, 0, .. U16(1), .. U32((int)offset), .. U32(data.Length)]);
            }
            return Box("iloc", [.. iloc]);
        }

        var ftyp = Box("ftyp", coding == "hvc1" ? [.. "heic"u8, 0, 0, 0, 0, .. "mif1heic"u8] : [.. "avif"u8, 0, 0, 0, 0, .. "mif1avifmiaf"u8]);
        var hdlr = Box("hdlr", [0, 0, 0, 0, 0, 0, 0, 0, .. "pict"u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var pitm = Box("pitm", [0, 0, 0, 0, .. U16((int)primary)]);
        byte[] Meta(long mdatData) => Box("meta", [0, 0, 0, 0, .. hdlr, .. pitm, .. Iloc(mdatData), .. Box("iinf", [.. iinf]), .. iref, .. iprp, .. idat]);
        long dataStart = ftyp.Length + Meta(0).Length + 8;
        var mdat = Box("mdat", [.. stored.SelectMany(d => d)]);
        return [.. ftyp, .. Meta(dataStart), .. mdat];
    }

    /// <summary>The first item's first extent in an iloc box whose payload starts at <paramref name="at"/>.</summary>
    private static (long Offset, long Length) FirstExtent(byte[] heif, int at)
    {
        int version = heif[at];
        at += 4;
        int sizes = BinaryPrimitives.ReadUInt16BigEndian(heif.AsSpan(at));
        at += 2;
        int offsetSize = sizes >> 12, lengthSize = (sizes >> 8) & 15, baseSize = (sizes >> 4) & 15, indexSize = version > 0 ? sizes & 15 : 0;
        at += version < 2 ? 2 + 2 : 4 + 4; // item count, item id
        if (version > 0)
            at += 2; // construction method
        at += 2; // data reference index
        long Read(int size)
        {
            long value = size switch { 0 => 0, 4 => BinaryPrimitives.ReadUInt32BigEndian(heif.AsSpan(at)), _ => (long)BinaryPrimitives.ReadUInt64BigEndian(heif.AsSpan(at)) };
            at += size;
            return value;
        }
        long offsetBase = Read(baseSize);
        at += 2; // extent count
        Read(indexSize);
        long offset = Read(offsetSize);
        return (offsetBase + offset, Read(lengthSize));
    }

    private static byte[] Box(string type, byte[] payload) => [.. U32(payload.Length + 8), .. Encoding.ASCII.GetBytes(type), .. payload];

    private static byte[] U32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value);
        return bytes;
    }

    private static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];

    private static int BoxLength(byte[] data, int at) => (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));

    /// <summary>The boxes between <paramref name="start"/> and <paramref name="end"/>: type, where the payload starts, where the box starts.</summary>
    private static IEnumerable<(string Type, int Payload, int Whole)> Boxes(byte[] data, int start, int end)
    {
        for (int at = start; at + 8 <= end;)
        {
            int size = BoxLength(data, at);
            if (size < 8)
                yield break;
            yield return (Encoding.ASCII.GetString(data, at + 4, 4), at + 8, at);
            at += size;
        }
    }
}
