using System.Collections.Concurrent;
using System.Formats.Tar;
using SkiaSharp;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>How an ImageFolder source is read.</summary>
/// <param name="ImageSize">Resize the shorter side to this (bilinear with mipmaps) and centre-crop a square.
/// Null: keep the native size, which must then be the same for every image.</param>
/// <param name="PerClassLimit">Decode only the first k images (ordinal file-name order) of every class.</param>
/// <param name="MaxParallelism">Decoder threads; default: all cores.</param>
public sealed record ImageFolderOptions(int? ImageSize = null, int? PerClassLimit = null, int? MaxParallelism = null);

/// <summary>
/// The "ImageFolder" layout: <c>&lt;split&gt;/&lt;class&gt;/&lt;image&gt;</c> with JPEG or PNG images, in a folder, a
/// <c>.tar</c> or a <c>.tar.gz</c> (one extra top-level folder in an archive is allowed). The train split is
/// <c>train</c>; the test split is <c>test</c>, else <c>val</c>. Images are decoded with SkiaSharp to RGB uint8
/// (alpha dropped, grayscale replicated to three channels).
/// </summary>
/// <remarks>
/// Order is fixed by names, not by the archive: classes sorted ordinally (label = index), images sorted
/// ordinally within a class. Files with other extensions are ignored. Archives are streamed: compressed
/// image bytes are kept in memory (they are small), then decoded in parallel straight into the pixel array.
/// </remarks>
public static class ImageFolder
{
    public const string Name = "imagefolder";
    static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];
    static readonly string[] TestSplitNames = ["test", "val"];

    sealed record Entry(string Path, string FileName, byte[]? Bytes);

    /// <summary>Per split: class name → images (a class can exist with zero images: an empty folder).</summary>
    sealed class Listing
    {
        public readonly Dictionary<string, SortedDictionary<string, List<Entry>>> Splits = new(StringComparer.Ordinal);

        public SortedDictionary<string, List<Entry>> Split(string split) =>
            Splits.TryGetValue(split, out var s) ? s : Splits[split] = new(StringComparer.Ordinal);

        public List<Entry> Class(string split, string cls) =>
            Split(split).TryGetValue(cls, out var l) ? l : Split(split)[cls] = [];
    }

    /// <summary>Reads the train and test splits of <paramref name="path"/> (folder, .tar or .tar.gz).</summary>
    public static DatasetSplits Read(string path, ImageFolderOptions? options = null, string? datasetName = null)
    {
        options ??= new ImageFolderOptions();
        if (options.ImageSize is <= 0) throw new ArgumentOutOfRangeException(nameof(options), "ImageSize must be positive");
        if (options.PerClassLimit is <= 0) throw new ArgumentOutOfRangeException(nameof(options), "PerClassLimit must be positive");
        datasetName ??= Name;

        var listing = Directory.Exists(path) ? ListFolder(path)
                    : File.Exists(path) ? ListArchive(path)
                    : throw new DatasetException(path, "not found (expected a folder, .tar or .tar.gz with <split>/<class>/<image>)");

        if (!listing.Splits.ContainsKey("train"))
            throw new DatasetException(path, "no train/<class>/<image> files (expected <split>/<class>/<image> with .jpg/.jpeg/.png images)");
        var testSplit = TestSplitNames.FirstOrDefault(listing.Splits.ContainsKey)
            ?? throw new DatasetException(path, "no test/<class>/<image> (or val/…) files");

        var train = listing.Splits["train"];
        var test = listing.Splits[testSplit];
        foreach (var (split, classes) in new[] { ("train", train), (testSplit, test) })
            foreach (var (cls, images) in classes)
                if (images.Count == 0)
                    throw new DatasetException($"{path}/{split}/{cls}", "empty class folder (no .jpg/.jpeg/.png images)");
        if (!train.Keys.SequenceEqual(test.Keys))
        {
            var onlyTrain = train.Keys.Except(test.Keys).ToList();
            var onlyTest = test.Keys.Except(train.Keys).ToList();
            throw new DatasetException(path,
                $"train and {testSplit} class lists differ (only in train: [{string.Join(", ", onlyTrain)}]; only in {testSplit}: [{string.Join(", ", onlyTest)}])");
        }

        var classNames = train.Keys.ToArray();
        var trainSet = Decode($"{datasetName}/train", train, classNames, options);
        try { return new DatasetSplits(trainSet, Decode($"{datasetName}/test", test, classNames, options)); }
        catch { trainSet.Dispose(); throw; }
    }

    static ImageDataset Decode(string name, SortedDictionary<string, List<Entry>> classes, string[] classNames, ImageFolderOptions options)
    {
        var items = new List<(Entry Entry, int Label)>();
        for (int c = 0; c < classNames.Length; c++)
        {
            var images = classes[classNames[c]].OrderBy(e => e.FileName, StringComparer.Ordinal);
            items.AddRange((options.PerClassLimit is { } k ? images.Take(k) : images).Select(e => (e, c)));
        }

        // The output size: the requested square, or the first image's native size (all others must match).
        int height, width;
        if (options.ImageSize is { } size) height = width = size;
        else
        {
            var first = items[0].Entry;
            var info = SKBitmap.DecodeBounds(Bytes(first));
            if (info.Width <= 0 || info.Height <= 0) throw new DatasetException(first.Path, "undecodable image (not a valid JPEG/PNG)");
            (height, width) = (info.Height, info.Width);
        }

        const int channels = 3;
        long imageBytes = (long)channels * height * width;
        if (items.Count * imageBytes > Array.MaxLength)
            throw new DatasetException(name, $"{items.Count} images of {channels}×{height}×{width} exceed one in-memory array; use a smaller ImageSize or PerClassLimit");
        var pixels = new byte[items.Count * imageBytes];
        var errors = new ConcurrentDictionary<int, DatasetException>();
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism ?? Environment.ProcessorCount },
            (i, state) =>
            {
                try { DecodeInto(items[i].Entry, options.ImageSize, height, width, pixels.AsSpan((int)(i * imageBytes), (int)imageBytes)); }
                catch (DatasetException e) { errors[i] = e; state.Stop(); }
            });
        if (!errors.IsEmpty) throw errors[errors.Keys.Min()];

        var labels = items.Select(t => (long)t.Label).ToArray();
        using var scope = NewDisposeScope();
        return new ImageDataset(name, tensor(pixels, [items.Count, channels, height, width], ScalarType.Byte),
                                tensor(labels, ScalarType.Int64), classNames);
    }

    /// <summary>Decodes one image to RGBA, optionally resizes + centre-crops, and writes it planar (C×H×W) into <paramref name="dst"/>.</summary>
    static void DecodeInto(Entry entry, int? imageSize, int height, int width, Span<byte> dst)
    {
        var bytes = Bytes(entry);
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new DatasetException(entry.Path, "undecodable image (not a valid JPEG/PNG)");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DatasetException(entry.Path, $"undecodable image ({result})");

        SKBitmap source = decoded;
        int x0 = 0, y0 = 0;
        if (imageSize is { } size && (info.Width != size || info.Height != size))
        {
            // Shorter side → size, then the centred size×size window.
            double scale = (double)size / Math.Min(info.Width, info.Height);
            int w = Math.Max(size, (int)Math.Round(info.Width * scale)), h = Math.Max(size, (int)Math.Round(info.Height * scale));
            source = decoded.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul),
                                    new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                     ?? throw new DatasetException(entry.Path, $"could not resize {info.Width}×{info.Height} to {w}×{h}");
            (x0, y0) = ((w - size) / 2, (h - size) / 2);
        }
        else if (info.Width != width || info.Height != height)
        {
            throw new DatasetException(entry.Path,
                $"wrong image size {info.Width}×{info.Height} (the first image is {width}×{height}); set ImageSize to resize");
        }

        try
        {
            ReadOnlySpan<byte> rgba = source.GetPixelSpan();
            int rowBytes = source.RowBytes, plane = height * width;
            for (int y = 0; y < height; y++)
            {
                var row = rgba.Slice((y + y0) * rowBytes + x0 * 4, width * 4);
                int o = y * width;
                for (int x = 0; x < width; x++)
                {
                    dst[o + x] = row[4 * x];
                    dst[plane + o + x] = row[4 * x + 1];
                    dst[2 * plane + o + x] = row[4 * x + 2];
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(source, decoded)) source.Dispose();
        }
    }

    static byte[] Bytes(Entry e)
    {
        if (e.Bytes is { } b) return b;
        try { return File.ReadAllBytes(e.Path); }
        catch (IOException x) { throw new DatasetException(e.Path, $"cannot read ({x.Message})", x); }
    }

    static bool IsImage(string fileName) =>
        Extensions.Any(ext => fileName.EndsWith(ext, StringComparison.OrdinalIgnoreCase));

    static Listing ListFolder(string root)
    {
        var listing = new Listing();
        foreach (var splitDir in Directory.EnumerateDirectories(root))
        {
            var split = Path.GetFileName(splitDir);
            if (split != "train" && !TestSplitNames.Contains(split)) continue;
            foreach (var classDir in Directory.EnumerateDirectories(splitDir))
            {
                var images = listing.Class(split, Path.GetFileName(classDir));
                foreach (var file in Directory.EnumerateFiles(classDir))
                    if (IsImage(file)) images.Add(new Entry(file, Path.GetFileName(file), null));
            }
        }
        return listing;
    }

    /// <summary>
    /// Streams the archive once, keeping the bytes of image entries at <c>[root/]split/class/file</c>.
    /// Directory entries register classes too, so an empty class folder is seen.
    /// </summary>
    static Listing ListArchive(string archive)
    {
        var listing = new Listing();
        try
        {
            using var tar = new TarReader(ArchiveStreams.OpenMaybeGzip(archive));
            while (tar.GetNextEntry() is { } entry)
            {
                var parts = ArchiveStreams.NormalisedName(entry).Split('/');
                bool isDir = entry.EntryType == TarEntryType.Directory;
                // Position of the split component: files are split/class/file (3 or 4 deep), folders split/class (2 or 3).
                int depth = parts.Length - (isDir ? 2 : 3);
                if (depth is not (0 or 1)) continue;
                string split = parts[depth], cls = parts[depth + 1];
                if (split != "train" && !TestSplitNames.Contains(split)) continue;
                var images = listing.Class(split, cls);
                if (isDir || !ArchiveStreams.IsFile(entry) || !IsImage(parts[^1]) || entry.DataStream is null) continue;
                using var buffer = new MemoryStream((int)entry.Length);
                entry.DataStream.CopyTo(buffer);
                images.Add(new Entry($"{archive}/{string.Join('/', parts)}", parts[^1], buffer.ToArray()));
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new DatasetException(archive, $"corrupt or truncated archive ({e.Message})", e);
        }
        return listing;
    }
}
