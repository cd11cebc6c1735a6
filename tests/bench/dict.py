# dict: insert 200,000 integer keys (value = key), then look each one up,
# summing the values.
d = {}
for i in range(200000):
    d[i] = i
total = 0
for i in range(200000):
    total += d[i]
print(total)
