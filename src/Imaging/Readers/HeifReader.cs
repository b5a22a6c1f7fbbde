using System.Buffers.Binary;

namespace Pipeline.Imaging.Readers;

/// <summary>
/// Reads a HEIF file (HEIC: HEVC-coded; AVIF: AV1-coded) without decoding: the <c>ftyp</c>
/// brands, then the <c>meta</c> box's items, their locations and properties, for the primary
/// image only. Strict where libheif is lenient or reads differently: exactly one <c>meta</c> of
/// handler <c>pict</c>; a primary item that is one coded image (<c>hvc1</c>, <c>av01</c>) or a
/// grid of them (no overlays, no derived or uncompressed images); an <c>ispe</c> on every image,
/// a grid's equal to its output size and its tiles all the same size, the same coding and depth,
/// no more than <see cref="MaxTiles"/>, covering the output exactly as libheif pastes them; the
/// transformations in the order the format prescribes (clean aperture, rotation, mirror) and a
/// clean aperture that crops whole pixels; and every byte the decoder will read (tiles, alpha,
/// grid description) inside the file, since a truncated file must be refused, not decoded
/// half-grey. libheif applies the rotation and mirror itself, so the size reported is the
/// upright one and the orientation 1; an Exif orientation inside a HEIF is ignored, as the
/// format's rules and libheif do.
/// </summary>
internal static class HeifReader
{
    private const string Name = "HEIF";

    /// <summary>Items a file may list: a phone's 12 MP HEIC has about 60 (48 tiles, thumbnail, Exif, depth).</summary>
    public const int MaxItems = 4096;

    /// <summary>Tiles of one grid: a 50 MP photo in 512×512 tiles has 204. Each costs libheif a decoder set-up.</summary>
    public const int MaxTiles = 1024;

    private static readonly string[] HevcBrands = ["heic", "heix", "heim", "heis", "hevc", "hevx"];
    private static readonly string[] AvifBrands = ["avif", "avis"];
    private static readonly string[] StructuralBrands = ["mif1", "msf1", "mif2", "miaf"];
    private static readonly string[] AlphaTypes = ["urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "urn:mpeg:hevc:2015:auxid:1", "urn:mpeg:avc:2015:auxid:1"];

    /// <summary>A range of the file's bytes.</summary>
    internal readonly record struct Span(int Start, int Length);

    private sealed record Property(string Type, Span Payload);

    private sealed class Item
    {
        public required string Type { get; init; }
        public List<(int Method, long Offset, long Length)> Extents { get; } = [];
        public List<Property> Properties { get; } = [];
        public Dictionary<string, List<uint>> References { get; } = [];
    }

    /// <summary>What the reader found, for the converter as well as the inspection.</summary>
    /// <param name="Format">HEIC or AVIF, from the primary image's coding.</param>
    /// <param name="Width">Width once the clean aperture and rotation are applied, as libheif decodes it.</param>
    /// <param name="Height">Height likewise.</param>
    /// <param name="BitDepth">Luma bits per sample: 8, 10 or 12.</param>
    /// <param name="HasAlpha">Whether an alpha image belongs to the primary image.</param>
    /// <param name="Tiles">Tiles of a grid; 1 for a single coded image.</param>
    /// <param name="Icc">Where the primary image's ICC profile (colr prof or rICC) is, if it has one.</param>
    /// <param name="Nclx">The primary image's colr nclx code points (primaries, transfer, matrix), if it has them.</param>
    /// <param name="CodedSide">The longest side of the primary image as coded (its <c>ispe</c>, before any crop): libheif's size limit.</param>
    internal sealed record HeifFile(ImageFormat Format, int Width, int Height, int BitDepth, bool HasAlpha, int Tiles, Span? Icc, (int Primaries, int Transfer, int Matrix)? Nclx, int CodedSide);

    /// <summary>True for an ISO media file whose <c>ftyp</c> names a HEIF image brand.</summary>
    public static bool Matches(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12 || !data[4..8].SequenceEqual("ftyp"u8))
            return false;
        long size = BinaryPrimitives.ReadUInt32BigEndian(data);
        var brands = data[8..(int)Math.Clamp(size, 12, data.Length)];
        for (int i = 0; i + 4 <= brands.Length; i += 4)
        {
            if (i == 4)
                continue; // minor version
            var brand = IsoBox.TypeName(brands.Slice(i, 4));
            if (HevcBrands.Contains(brand) || AvifBrands.Contains(brand) || StructuralBrands.Contains(brand))
                return true;
        }
        return false;
    }

    public static ImageInfo Read(ReadOnlySpan<byte> data)
    {
        var file = Parse(data);
        return Inspection.Checked(file.Format, file.Width, file.Height, file.Format.DisplayName()) with
        {
            HasAlpha = file.HasAlpha,
            Channels = file.HasAlpha ? 4 : 3,
            Components = file.HasAlpha ? 4 : 3,
            SixteenBit = file.BitDepth > 8,
            ColourTagged = file.Icc is not null || file.Nclx is { Primaries: not (1 or 2) },
        };
    }

    /// <summary>Reads the file's structure; throws for anything the service does not decode.</summary>
    public static HeifFile Parse(ReadOnlySpan<byte> data)
    {
        bool first = true, sawMeta = false;
        var items = new Dictionary<uint, Item>();
        uint primary = 0;
        Span idat = new(0, 0);
        foreach (var box in IsoBox.Children(data, Name))
        {
            if (first)
            {
                if (!box.Is("ftyp"u8) || box.Payload.Length < 8)
                    throw Inspection.Corrupt(Name, "it does not start with a file type box");
                first = false;
                continue;
            }
            if (!box.Is("meta"u8))
                continue; // mdat, free, moov (a sequence's tracks): the primary item is all that is read
            if (sawMeta)
                throw Inspection.Corrupt(Name, "it has two meta boxes");
            sawMeta = true;
            (primary, idat) = ReadMeta(box.Payload, box.PayloadOffset, items);
        }
        if (!sawMeta)
            throw Inspection.Corrupt(Name, "it has no meta box, so no image");

        if (!items.TryGetValue(primary, out var image))
            throw Inspection.Corrupt(Name, "its primary item is not listed");
        var (coding, width, height, bits, tiles) = Geometry(data, idat, items, primary);
        var format = coding == "hvc1" ? ImageFormat.Heic : ImageFormat.Avif;
        int codedSide = Math.Max(width, height);
        (width, height) = Transformed(data, image, width, height, format.DisplayName());

        bool alpha = false;
        foreach (var (id, item) in items)
        {
            if (!item.References.TryGetValue("auxl", out var to) || !to.Contains(primary) || !IsAlpha(data, item))
                continue;
            Geometry(data, idat, items, id); // its data must be there too
            alpha = true;
            break;
        }

        var colours = image.Properties.Where(p => p.Type == "colr").ToList();
        if (colours.Count == 0 && image.Type == "grid" && items[primary].References.TryGetValue("dimg", out var grid))
            colours = items[grid[0]].Properties.Where(p => p.Type == "colr").ToList();
        Span? icc = null;
        (int, int, int)? nclx = null;
        foreach (var colour in colours)
        {
            var payload = data.Slice(colour.Payload.Start, colour.Payload.Length);
            if (payload.Length < 4)
                throw Inspection.Corrupt(format.DisplayName(), "a colour box is too short");
            var kind = IsoBox.TypeName(payload[..4]);
            if (kind is "prof" or "rICC" && icc is null && payload.Length > 4)
                icc = new Span(colour.Payload.Start + 4, colour.Payload.Length - 4);
            else if (kind == "nclx" && nclx is null && payload.Length >= 11)
                nclx = (BinaryPrimitives.ReadUInt16BigEndian(payload[4..]), BinaryPrimitives.ReadUInt16BigEndian(payload[6..]), BinaryPrimitives.ReadUInt16BigEndian(payload[8..]));
        }
        return new HeifFile(format, width, height, bits, alpha, tiles, icc, nclx, codedSide);
    }

    /// <summary>Reads the meta box's items into <paramref name="items"/>; returns the primary item's id and where the idat data is.</summary>
    private static (uint Primary, Span Idat) ReadMeta(ReadOnlySpan<byte> meta, int at, Dictionary<uint, Item> items)
    {
        if (meta.Length < 4 || meta[0] != 0)
            throw Inspection.Corrupt(Name, "its meta box is not version 0");
        at += 4;
        uint? primary = null;
        bool picture = false;
        Span idat = new(0, 0);
        List<(int Id, int Method, long Base, List<(long Offset, long Length)> Extents)> locations = [];
        List<Property> properties = [];
        List<(uint Id, List<int> Indices)> associations = [];
        List<(string Type, uint From, List<uint> To)> references = [];
        foreach (var box in IsoBox.Children(meta[4..], Name))
        {
            var payload = box.Payload;
            int start = at + box.PayloadOffset;
            var reader = new BoxReader(payload, Name);
            switch (IsoBox.TypeName(box.Type))
            {
                case "hdlr":
                    reader.Skip(8); // version, flags, pre_defined
                    picture = reader.FourCc() == "pict";
                    break;
                case "pitm":
                    primary = reader.Version() == 0 ? (uint)reader.U16() : reader.U32();
                    break;
                case "iinf":
                    ReadItemInfos(payload, items);
                    break;
                case "iloc":
                    locations = ReadLocations(payload);
                    break;
                case "iprp":
                    (properties, associations) = ReadProperties(payload, start);
                    break;
                case "iref":
                    references = ReadReferences(payload);
                    break;
                case "idat":
                    idat = new Span(start, payload.Length);
                    break;
            }
        }
        if (!picture)
            throw Inspection.Corrupt(Name, "its meta box is not a picture's (handler 'pict')");
        if (primary is not { } id)
            throw Inspection.Corrupt(Name, "it names no primary item");

        foreach (var (item, method, offsetBase, extents) in locations)
        {
            if (!items.TryGetValue((uint)item, out var located))
                continue; // a location for an item not listed: nothing reads it
            if (method is not (0 or 1))
                throw Inspection.Unsupported("A HEIF image whose data is located in another item");
            foreach (var (offset, length) in extents)
                located.Extents.Add((method, offsetBase + offset, length));
        }
        foreach (var (item, indices) in associations)
        {
            if (!items.TryGetValue(item, out var associated))
                continue;
            foreach (int index in indices)
            {
                if (index == 0)
                    continue; // no property
                if (index > properties.Count)
                    throw Inspection.Corrupt(Name, $"an item is associated with property {index} of {properties.Count}");
                associated.Properties.Add(properties[index - 1]);
            }
        }
        foreach (var (type, from, to) in references)
        {
            if (items.TryGetValue(from, out var referring) && !referring.References.TryAdd(type, to))
                throw Inspection.Corrupt(Name, $"an item has two '{type}' references");
        }
        return (id, idat);
    }

    private static void ReadItemInfos(ReadOnlySpan<byte> iinf, Dictionary<uint, Item> items)
    {
        var reader = new BoxReader(iinf, Name);
        long count = reader.Version() == 0 ? reader.U16() : reader.U32();
        if (count > MaxItems)
            throw Inspection.Corrupt(Name, $"it lists {count} items, more than the {MaxItems} accepted");
        int seen = 0;
        foreach (var box in IsoBox.Children(iinf[reader.Position..], Name))
        {
            if (!box.Is("infe"u8))
                continue;
            var entry = new BoxReader(box.Payload, Name);
            int version = entry.Version();
            if (version < 2)
                throw Inspection.Unsupported("A HEIF image with version 0 or 1 item information");
            uint id = version == 2 ? (uint)entry.U16() : entry.U32();
            entry.Skip(2); // protection index
            var type = entry.FourCc();
            if (!items.TryAdd(id, new Item { Type = type }))
                throw Inspection.Corrupt(Name, $"item {id} is listed twice");
            seen++;
        }
        if (seen != count)
            throw Inspection.Corrupt(Name, $"its item list declares {count} items and holds {seen}");
    }

    private static List<(int Id, int Method, long Base, List<(long, long)> Extents)> ReadLocations(ReadOnlySpan<byte> iloc)
    {
        var reader = new BoxReader(iloc, Name);
        int version = reader.Version();
        if (version > 2)
            throw Inspection.Unsupported($"A HEIF image with version {version} item locations");
        int sizes = reader.U16();
        int offsetSize = sizes >> 12, lengthSize = (sizes >> 8) & 0xF, baseSize = (sizes >> 4) & 0xF, indexSize = version > 0 ? sizes & 0xF : 0;
        foreach (int size in new[] { offsetSize, lengthSize, baseSize, indexSize })
        {
            if (size is not (0 or 4 or 8))
                throw Inspection.Corrupt(Name, $"its item locations use {size}-byte fields");
        }
        long count = version < 2 ? reader.U16() : reader.U32();
        if (count > MaxItems)
            throw Inspection.Corrupt(Name, $"it locates {count} items, more than the {MaxItems} accepted");
        var locations = new List<(int, int, long, List<(long, long)>)>((int)count);
        for (long i = 0; i < count; i++)
        {
            long id = version < 2 ? reader.U16() : reader.U32();
            int method = version > 0 ? reader.U16() & 0xF : 0;
            if (reader.U16() != 0)
                throw Inspection.Unsupported("A HEIF image whose data is in another file");
            long offsetBase = reader.Sized(baseSize);
            int extents = reader.U16();
            if (extents == 0)
                throw Inspection.Corrupt(Name, "an item has no data extents");
            var list = new List<(long, long)>(extents);
            for (int e = 0; e < extents; e++)
            {
                reader.Sized(indexSize);
                long offset = reader.Sized(offsetSize), length = reader.Sized(lengthSize);
                if (length == 0)
                    throw Inspection.Unsupported("A HEIF image whose item data runs to the end of the file");
                list.Add((offset, length));
            }
            locations.Add(((int)id, method, offsetBase, list));
        }
        return locations;
    }

    private static (List<Property>, List<(uint, List<int>)>) ReadProperties(ReadOnlySpan<byte> iprp, int at)
    {
        List<Property> properties = [];
        List<(uint, List<int>)> associations = [];
        bool sawContainer = false;
        foreach (var box in IsoBox.Children(iprp, Name))
        {
            if (box.Is("ipco"u8))
            {
                if (sawContainer)
                    throw Inspection.Corrupt(Name, "it has two property containers");
                sawContainer = true;
                foreach (var property in IsoBox.Children(box.Payload, Name))
                {
                    if (properties.Count == MaxItems)
                        throw Inspection.Corrupt(Name, $"it has more than {MaxItems} item properties");
                    properties.Add(new Property(IsoBox.TypeName(property.Type), new Span(at + box.PayloadOffset + property.PayloadOffset, property.Payload.Length)));
                }
            }
            else if (box.Is("ipma"u8))
            {
                var reader = new BoxReader(box.Payload, Name);
                int version = reader.Version();
                bool wideIndices = (box.Flags & 1) != 0;
                long count = reader.U32();
                if (count > MaxItems)
                    throw Inspection.Corrupt(Name, $"it associates properties with {count} items, more than the {MaxItems} accepted");
                for (long i = 0; i < count; i++)
                {
                    uint id = version < 1 ? (uint)reader.U16() : reader.U32();
                    int n = reader.U8();
                    var indices = new List<int>(n);
                    for (int k = 0; k < n; k++)
                        indices.Add(wideIndices ? reader.U16() & 0x7FFF : reader.U8() & 0x7F);
                    associations.Add((id, indices));
                }
            }
        }
        return (properties, associations);
    }

    private static List<(string, uint, List<uint>)> ReadReferences(ReadOnlySpan<byte> iref)
    {
        var reader = new BoxReader(iref, Name);
        bool wide = reader.Version() != 0;
        var references = new List<(string, uint, List<uint>)>();
        foreach (var box in IsoBox.Children(iref[reader.Position..], Name))
        {
            var entry = new BoxReader(box.Payload, Name);
            uint from = wide ? entry.U32() : (uint)entry.U16();
            int count = entry.U16();
            if (count > MaxItems)
                throw Inspection.Corrupt(Name, $"an item references {count} others, more than the {MaxItems} accepted");
            var to = new List<uint>(count);
            for (int i = 0; i < count; i++)
                to.Add(wide ? entry.U32() : (uint)entry.U16());
            references.Add((IsoBox.TypeName(box.Type), from, to));
        }
        return references;
    }

    /// <summary>
    /// The coding, size (the <c>ispe</c>), depth and tile count of image item <paramref name="id"/>:
    /// one coded image, or a grid of them; checks that every byte of it lies in the file.
    /// </summary>
    private static (string Coding, int Width, int Height, int Bits, int Tiles) Geometry(ReadOnlySpan<byte> data, Span idat, Dictionary<uint, Item> items, uint id)
    {
        var item = items[id];
        var (width, height) = Size(data, item);
        if (item.Type is "hvc1" or "av01")
            return (item.Type, width, height, Coded(data, idat, item), 1);
        if (item.Type != "grid")
            throw Inspection.Unsupported(item.Type == "iovl" ? "A HEIF image composed as an overlay" : $"A HEIF image of item type '{item.Type}'");

        var description = Data(data, idat, item);
        var reader = new BoxReader(description, Name);
        if (reader.U8() != 0)
            throw Inspection.Unsupported("A HEIF grid of another version than 0");
        bool wide = (reader.U8() & 1) != 0;
        int rows = reader.U8() + 1, columns = reader.U8() + 1;
        long outputWidth = wide ? reader.U32() : reader.U16(), outputHeight = wide ? reader.U32() : reader.U16();
        if (outputWidth != width || outputHeight != height)
            throw Inspection.Corrupt(Name, $"its grid is {outputWidth}x{outputHeight} but its size property says {width}x{height}");
        if (rows * columns > MaxTiles)
            throw Inspection.Unsupported($"A HEIF grid of {rows * columns} tiles (at most {MaxTiles})");
        if (!item.References.TryGetValue("dimg", out var tiles) || tiles.Count != rows * columns)
            throw Inspection.Corrupt(Name, $"its {rows}x{columns} grid does not reference {rows * columns} tiles");

        string? coding = null;
        int tileWidth = 0, tileHeight = 0, bits = 0;
        foreach (var tileId in tiles)
        {
            if (!items.TryGetValue(tileId, out var tile) || tile.Type is not ("hvc1" or "av01"))
                throw Inspection.Corrupt(Name, "a grid tile is missing or is not a coded image");
            if (tile.Properties.Any(p => p.Type is "irot" or "imir" or "clap"))
                throw Inspection.Unsupported("A HEIF grid whose tiles are rotated, mirrored or cropped");
            var (w, h) = Size(data, tile);
            int b = Coded(data, idat, tile);
            if (coding is null)
                (coding, tileWidth, tileHeight, bits) = (tile.Type, w, h, b);
            else if (tile.Type != coding || w != tileWidth || h != tileHeight || b != bits)
                throw Inspection.Corrupt(Name, "its grid tiles differ in coding, size or depth");
        }
        // libheif pastes tile after tile: they must cover the output and none may lie wholly outside it.
        if ((long)columns * tileWidth < width || (long)(columns - 1) * tileWidth >= width
            || (long)rows * tileHeight < height || (long)(rows - 1) * tileHeight >= height)
        {
            throw Inspection.Corrupt(Name, $"its {columns}x{rows} tiles of {tileWidth}x{tileHeight} do not cover {width}x{height}");
        }
        return (coding!, width, height, bits, tiles.Count);
    }

    /// <summary>The <c>ispe</c> of an image item.</summary>
    private static (int Width, int Height) Size(ReadOnlySpan<byte> data, Item item)
    {
        var sizes = item.Properties.Where(p => p.Type == "ispe").ToList();
        if (sizes.Count != 1)
            throw Inspection.Corrupt(Name, "an image has no size property, or two");
        var reader = new BoxReader(data.Slice(sizes[0].Payload.Start, sizes[0].Payload.Length), Name);
        reader.Skip(4);
        long width = reader.U32(), height = reader.U32();
        if (width is <= 0 or > int.MaxValue || height is <= 0 or > int.MaxValue)
            throw Inspection.Corrupt(Name, $"an image declares {width}x{height} pixels");
        return ((int)width, (int)height);
    }

    /// <summary>A coded image's luma bits, from its decoder configuration; checks its data lies in the file.</summary>
    private static int Coded(ReadOnlySpan<byte> data, Span idat, Item item)
    {
        Data(data, idat, item);
        var configType = item.Type == "hvc1" ? "hvcC" : "av1C";
        var configs = item.Properties.Where(p => p.Type == configType).ToList();
        if (configs.Count != 1)
            throw Inspection.Corrupt(Name, $"a coded image has no '{configType}' configuration, or two");
        var config = data.Slice(configs[0].Payload.Start, configs[0].Payload.Length);
        if (item.Type == "hvc1")
        {
            if (config.Length < 23 || config[0] != 1)
                throw Inspection.Corrupt(Name, "an HEVC configuration is malformed");
            int bits = (config[17] & 7) + 8;
            return bits <= 12 ? bits : throw Inspection.Unsupported($"A HEIC of {bits}-bit samples");
        }
        if (config.Length < 4 || config[0] != 0x81)
            throw Inspection.Corrupt(Name, "an AV1 configuration is malformed");
        bool high = (config[2] & 0x40) != 0, twelve = (config[2] & 0x20) != 0;
        return high ? twelve ? 12 : 10 : 8;
    }

    /// <summary>The bytes of an item, checked to lie in the file (or its idat); a grid description is one extent.</summary>
    private static ReadOnlySpan<byte> Data(ReadOnlySpan<byte> data, Span idat, Item item)
    {
        if (item.Extents.Count == 0)
            throw Inspection.Corrupt(Name, $"a '{item.Type}' item has no data location");
        foreach (var (method, offset, length) in item.Extents)
        {
            long start = method == 0 ? offset : idat.Start + offset;
            long end = method == 0 ? data.Length : idat.Start + idat.Length;
            if (offset < 0 || start + length > end)
                throw Inspection.Corrupt(Name, "image data runs past the end of the file");
        }
        var (m, o, l) = item.Extents[0];
        return data.Slice((int)(m == 0 ? o : idat.Start + o), (int)l);
    }

    private static bool IsAlpha(ReadOnlySpan<byte> data, Item item)
    {
        foreach (var property in item.Properties.Where(p => p.Type == "auxC"))
        {
            var text = data.Slice(property.Payload.Start, property.Payload.Length);
            if (text.Length < 5)
                continue;
            text = text[4..];
            int end = text.IndexOf((byte)0);
            var urn = System.Text.Encoding.ASCII.GetString(end < 0 ? text : text[..end]);
            if (AlphaTypes.Contains(urn))
                return true;
        }
        return false;
    }

    /// <summary>
    /// The size once the primary image's transformations are applied: a clean aperture crop
    /// (whole pixels only), then a rotation (quarter turns swap the sides) and a mirror, which
    /// must come in that order.
    /// </summary>
    private static (int Width, int Height) Transformed(ReadOnlySpan<byte> data, Item image, int width, int height, string name)
    {
        int stage = 0; // 1 after clap, 2 after irot, 3 after imir
        foreach (var property in image.Properties)
        {
            int order = property.Type switch { "clap" => 1, "irot" => 2, "imir" => 3, _ => 0 };
            if (order == 0)
                continue;
            if (order <= stage)
                throw Inspection.Unsupported($"A {name} whose crop, rotation and mirror are not in the order clap, irot, imir");
            stage = order;
            var payload = data.Slice(property.Payload.Start, property.Payload.Length);
            if (order == 1)
                (width, height) = Cropped(payload, width, height, name);
            else if (payload.Length < 1)
                throw Inspection.Corrupt(name, $"its {property.Type} box is empty");
            else if (order == 2 && (payload[0] & 1) == 1)
                (width, height) = (height, width);
        }
        return (width, height);
    }

    private static (int, int) Cropped(ReadOnlySpan<byte> clap, int width, int height, string name)
    {
        if (clap.Length < 32)
            throw Inspection.Corrupt(name, "its clean aperture box is too short");
        long cropWidth = Fraction(clap, 0, false, name), cropHeight = Fraction(clap, 8, false, name);
        long horizontal = Fraction(clap, 16, true, name), vertical = Fraction(clap, 24, true, name);
        // The crop is centred at (width - 1) / 2 + offset; its left edge must fall on a whole pixel.
        long left2 = 2 * horizontal + width - cropWidth, top2 = 2 * vertical + height - cropHeight;
        if (cropWidth <= 0 || cropHeight <= 0 || left2 % 2 != 0 || top2 % 2 != 0
            || left2 < 0 || top2 < 0 || left2 / 2 + cropWidth > width || top2 / 2 + cropHeight > height)
        {
            throw Inspection.Unsupported($"A {name} whose crop is not a whole-pixel part of the image");
        }
        return ((int)cropWidth, (int)cropHeight);
    }

    /// <summary>A clean aperture fraction at <paramref name="at"/> as a whole number; a fraction of a pixel is not supported.</summary>
    private static long Fraction(ReadOnlySpan<byte> clap, int at, bool signed, string name)
    {
        long numerator = signed ? BinaryPrimitives.ReadInt32BigEndian(clap[at..]) : BinaryPrimitives.ReadUInt32BigEndian(clap[at..]);
        long denominator = BinaryPrimitives.ReadUInt32BigEndian(clap[(at + 4)..]);
        if (denominator <= 0 || numerator % denominator != 0)
            throw Inspection.Unsupported($"A {name} cropped to part of a pixel");
        return numerator / denominator;
    }

    /// <summary>Big-endian reads of a box's payload; reading past its end means the box is corrupt.</summary>
    private ref struct BoxReader(ReadOnlySpan<byte> payload, string name)
    {
        private readonly ReadOnlySpan<byte> _payload = payload;
        private readonly string _name = name;

        public int Position { get; private set; }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (Position + count > _payload.Length)
                throw Inspection.Corrupt(_name, "a box is shorter than its fields");
            var taken = _payload.Slice(Position, count);
            Position += count;
            return taken;
        }

        /// <summary>A full box's version; skips its flags.</summary>
        public int Version()
        {
            int version = U8();
            Skip(3);
            return version;
        }

        public void Skip(int count) => Take(count);

        public int U8() => Take(1)[0];

        public int U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public string FourCc() => IsoBox.TypeName(Take(4));

        /// <summary>An unsigned field of 0, 4 or 8 bytes.</summary>
        public long Sized(int size) => size switch
        {
            0 => 0,
            4 => U32(),
            _ => BinaryPrimitives.ReadUInt64BigEndian(Take(8)) is var v && v <= long.MaxValue / 2 ? (long)v : throw Inspection.Corrupt(_name, "an offset is out of range"),
        };
    }
}
