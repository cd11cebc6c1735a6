# strings: build 100,000 strings "item-N" and join them with ",";
# prints the length of the result.
items = []
for i in range(100000):
    items.append("item-" + str(i))
print(len(",".join(items)))
