using LDae.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// The binary layout shared by saved modules (the patch PCA, learned tokenizers, the perceptual network): a header
/// (magic string + format version, then the owner's own fields) and the module's state dict as
/// (count, then name + tensor per entry). Each owner writes and reads its own fields between the two.
/// </summary>
public static class ModuleFile
{
    public static void WriteHeader(BinaryWriter writer, string magic, int version)
    {
        writer.Write(magic);
        writer.Write(version);
    }

    /// <summary>
    /// Opens <paramref name="path"/> once it matches the SHA-256 written with it (else an <see cref="ArtifactException"/>)
    /// and checks its header; the reader is positioned after it.
    /// </summary>
    public static BinaryReader OpenRead(string path, string magic, int version, string what)
    {
        var reader = new BinaryReader(VerifiedFile.OpenRead(path));
        try
        {
            if (reader.ReadString() != magic) throw new InvalidDataException($"{path} is not a {what} file");
            var stored = reader.ReadInt32();
            if (stored != version) throw new InvalidDataException($"{path}: unsupported {what} format version {stored}");
            return reader;
        }
        catch (EndOfStreamException)
        {
            reader.Dispose();
            throw new InvalidDataException($"{path} is not a {what} file (truncated header)");
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public static void WriteState(BinaryWriter writer, nn.Module module)
    {
        var state = module.state_dict();
        writer.Write(state.Count);
        foreach (var (name, tensor) in state)
        {
            writer.Write(name);
            tensor.Save(writer);
        }
    }

    /// <summary>Copies a stored state dict into <paramref name="module"/>; names, count and shapes must match exactly.</summary>
    public static void ReadStateInto(BinaryReader reader, nn.Module module, string path, string what)
    {
        var state = module.state_dict();
        int count = reader.ReadInt32();
        if (count != state.Count) throw new InvalidDataException($"{path}: {count} tensors stored, the {what} has {state.Count}");
        using var _ = no_grad();
        for (int i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            using var stored = TensorExtensionMethods.Load(reader);
            if (!state.TryGetValue(name, out var target))
                throw new InvalidDataException($"{path}: unexpected tensor '{name}' for the {what}");
            if (!target.shape.SequenceEqual(stored.shape))
                throw new InvalidDataException($"{path}: tensor '{name}' has shape [{string.Join(",", stored.shape)}], expected [{string.Join(",", target.shape)}]");
            target.copy_(stored);
        }
    }
}
