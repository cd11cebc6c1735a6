-- dict: insert 200,000 integer keys (value = key), then look each one up,
-- summing the values.
local d = {}
for i = 0, 199999 do d[i] = i end
local sum = 0
for i = 0, 199999 do sum = sum + d[i] end
print(sum)
