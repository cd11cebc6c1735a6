-- strings: build 100,000 strings "item-N" and join them with ",";
-- prints the length of the result.
local items = {}
for i = 0, 99999 do
  items[#items + 1] = "item-" .. tostring(i)
end
print(#table.concat(items, ","))
