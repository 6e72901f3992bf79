using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Data;

/// <summary>Loads an images file and a labels file in IDX format into <see cref="LabelledImages"/>.</summary>
public static class IdxImageSet
{
    /// <summary>
    /// The path of <paramref name="stem"/> (e.g. "train-images-idx3-ubyte") in <paramref name="folder"/>,
    /// gzipped or not (.gz preferred); null when neither exists.
    /// </summary>
    public static string? Find(string folder, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    public static LabelledImages Load(string name, string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Shape.Length != 3)
            throw new InvalidDataException($"{imagesPath}: images must have 3 dimensions (N x rows x cols), found {images.ShapeText}.");
        if (labels.Shape.Length != 1)
            throw new InvalidDataException($"{labelsPath}: labels must have 1 dimension (N), found {labels.ShapeText}.");
        if (images.Count != labels.Count)
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Count} labels; they must match.");
        var classes = new long[labels.Count];
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] = labels.Data[i];
            if (classes[i] >= classNames.Count)
                throw new InvalidDataException($"{labelsPath}: label {classes[i]} at item {i} is not one of the {classNames.Count} classes.");
        }

        int n = images.Count, h = images.Shape[1], w = images.Shape[2];
        Tensor tensor;
        using (torch.NewDisposeScope())
        {
            using var bytes = torch.tensor(images.Data, new long[] { n, 1, h, w }, dtype: ScalarType.Byte);
            tensor = bytes.to(ScalarType.Float32).div_(255f).MoveToOuterDisposeScope();
        }
        // The set outlives any scope its caller may have open: it is disposed with the record.
        return new LabelledImages(name, tensor.DetachFromDisposeScope(), classes, classNames);
    }
}
