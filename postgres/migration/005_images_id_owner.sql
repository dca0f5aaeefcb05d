-- An image looked up with its owner (FindOwnedImage, FindImageShares) is
-- found through this index: another owner's image fails the index
-- condition just as a missing id does, without a heap fetch of its row,
-- so the time of the answer does not tell that the image exists.
CREATE UNIQUE INDEX images_id_owner ON images (id, owner_id);
