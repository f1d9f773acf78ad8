using System.IO.Compression;
using static TorchSharp.torch;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>
/// A few thousand Fashion-MNIST images read straight from the IDX files (the project's data loader lives in
/// another area): uint8 N×1×S×S (bilinear resize from 28×28 when S ≠ 28) and int64 labels.
/// </summary>
public static class FashionMnistSample
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public static (Tensor Images, Tensor Labels) Load(bool train, int count, int size = 28)
    {
        var prefix = train ? "train" : "t10k";
        var pixels = ReadIdx(Path.Combine(Folder, $"{prefix}-images-idx3-ubyte.gz"), 3, count);
        var labels = ReadIdx(Path.Combine(Folder, $"{prefix}-labels-idx1-ubyte.gz"), 1, count);
        int n = labels.Length;
        var images = tensor(pixels, [n, 1, 28, 28], ScalarType.Byte);
        if (size != 28)
        {
            using var scope = NewDisposeScope();
            var resized = nn.functional.interpolate(images.to_type(ScalarType.Float32), [size, size],
                mode: InterpolationMode.Bilinear, align_corners: false);
            var result = resized.round().clamp(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
            images.Dispose();
            images = result;
        }
        return (images, tensor(labels.Select(b => (long)b).ToArray(), [n]));
    }

    /// <summary>The first <paramref name="count"/> items of a gzipped IDX file (big-endian header: magic, one size per dimension).</summary>
    static byte[] ReadIdx(string path, int dims, int count)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new BinaryReader(stream);
        int magic = ReadBigEndian(reader);
        if (magic != 0x0800 + dims) throw new InvalidDataException($"{path}: unexpected IDX magic {magic:X}");
        int items = ReadBigEndian(reader);
        int itemSize = 1;
        for (int d = 1; d < dims; d++) itemSize *= ReadBigEndian(reader);
        int n = Math.Min(count, items);
        var bytes = reader.ReadBytes(n * itemSize);
        if (bytes.Length != n * itemSize) throw new EndOfStreamException($"{path}: truncated");
        return bytes;
    }

    static int ReadBigEndian(BinaryReader reader)
    {
        var b = reader.ReadBytes(4);
        return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    }
}
